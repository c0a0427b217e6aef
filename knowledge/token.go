package knowledge

import (
	"math"
	"strings"
	"unicode"
	"unicode/utf8"
)

// A term is one indexed unit of text: a folded, stemmed word. Terms carry a
// weight because some words are worth less than others even before IDF:
// generic path components (`/usr/lib`), thesaurus expansions.
type term struct {
	text   string
	weight float64
	// unit groups the terms that come from one written word
	// ("PermissionDenied" gives "permissiondenied", "permission", "deni"), so
	// coverage counts the word once, not three times.
	unit int
	// whole marks the compound itself, next to its parts.
	whole bool
	// surface is the word as written (lower-cased), for showing evidence.
	surface string
	// related marks a thesaurus expansion: it adds evidence of its own but
	// is not part of what the input says.
	related bool
	// seg numbers the '/'- or ':'-separated segments of one written word
	// (a path, a URL), which are words of their own for phrase pairs.
	seg int
}

// fold lower-cases s and strips accents from Latin letters, so that "Échoué",
// "echoue" and "ÉCHOUÉ" compare equal. Other runes are kept as they are.
func fold(s string) string { return asciiLower(foldAccents(s)) }

// asciiLower lower-cases ASCII letters only, so byte offsets do not move.
func asciiLower(s string) string {
	for i := 0; i < len(s); i++ {
		if 'A' <= s[i] && s[i] <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if 'A' <= b[j] && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

// foldAccents strips accents from Latin letters and maps typographic
// punctuation to ASCII, keeping case (camelCase splitting needs it).
func foldAccents(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		b.WriteString(foldRune(r))
	}
	return b.String()
}

func foldRune(r rune) string {
	if r < utf8.RuneSelf {
		return string(r)
	}
	upper := unicode.IsUpper(r)
	r = unicode.ToLower(r)
	out := foldLowerRune(r)
	if upper && out != "" && isLower(out[0]) {
		return strings.ToUpper(out[:1]) + out[1:]
	}
	return out
}

func foldLowerRune(r rune) string {
	switch r {
	case 'à', 'á', 'â', 'ã', 'ä', 'å':
		return "a"
	case 'æ':
		return "ae"
	case 'ç':
		return "c"
	case 'è', 'é', 'ê', 'ë':
		return "e"
	case 'ì', 'í', 'î', 'ï':
		return "i"
	case 'ñ':
		return "n"
	case 'ò', 'ó', 'ô', 'õ', 'ö':
		return "o"
	case 'œ':
		return "oe"
	case 'ù', 'ú', 'û', 'ü':
		return "u"
	case 'ý', 'ÿ':
		return "y"
	case '’', '‘', '`', '´':
		return "'"
	case '“', '”', '«', '»':
		return "\""
	case '—', '–', '→', '←', '•':
		return " "
	case '\u00a0':
		return " "
	}
	return string(r)
}

// phrases are multi-word expressions folded into one canonical word before
// tokenising, so the French and English ways of naming a thing meet.
var phrases = []struct{ from, to string }{
	{"mot de passe", "password"},
	{"mots de passe", "password"},
	{"tableau de bord", "dashboard"},
	{"mise a jour", "update"},
	{"mis a jour", "update"},
	{"lecture seule", "readonly"},
	{"read only", "readonly"},
	{"read-only", "readonly"},
	{"en boucle", "loop"},
	// A program the shell or the runtime cannot find is a tool the image
	// does not have: what the corpus says as "n'est pas installé".
	{"command not found", "command notfound notinstalled"},
	{"executable file not found", "executable notfound notinstalled"},
	{"pas installe", "notinstalled"}, // n'est pas installé(e)
	{"isn't installed", "notinstalled"},
	{"not installed", "notinstalled"},
	{"not found", "notfound"},
	{"no such file", "notfound"},
	{"introuvable", "notfound"},
	{"n'existe pas", "notfound"},
	{"does not exist", "notfound"},
	{"inexistant", "notfound"},
	{"inexistante", "notfound"},
	{"n'existe", "notfound"},
	// Binding a port below 1024 without root is what CAP_NET_BIND_SERVICE
	// grants.
	{"bind: permission denied", "bind permissiondenied net_bind_service"},
	{"permission denied", "permissiondenied"},
	{"out of memory", "oom"},
	// Docker's embedded DNS failing on a name means the container is not on
	// a network of the one it looks for.
	{"127.0.0.11:53", "127.0.0.11:53 network"},
	{"not writable", "permissiondenied"},
	{"non inscriptible", "permissiondenied"},
	// A browser, curl or a proxy giving up on redirects is a redirect loop.
	{"too many redirects", "redirectloop"},
	{"redirected you too many times", "redirectloop"},
	{"redirects followed", "redirectloop"},
	{"redirect loop", "redirectloop"},
	{"redirection loop", "redirectloop"},
	{"boucle de redirection", "redirectloop"},
	// A port or name another holder has (EADDRINUSE, "port is already
	// allocated", a container name taken): one conflict, whatever the tool.
	{"address already in use", "alreadyinuse"},
	{"port is already allocated", "alreadyinuse"},
	{"is already in use", "alreadyinuse"},
	{"already in use", "alreadyinuse"},
	// One-time credentials (pre-auth keys, invitation tokens).
	{"already used", "singleuse"},
	{"already been used", "singleuse"},
	{"deja utilise", "singleuse"},
	{"usage unique", "singleuse"},
	{"single-use", "singleuse"},
	{"single use", "singleuse"},
	{"one-time", "singleuse"},
	{"access denied", "permissiondenied"},
	{"acces refuse", "permissiondenied"},
	{"connection refused", "connectionrefused"},
	{"connexion refusee", "connectionrefused"},
	{"crash-loop", "crashloop"},
	{"crash loop", "crashloop"},
	{"restart loop", "crashloop"},
	{"boucle de redemarrage", "crashloop"},
	{"redemarre en boucle", "crashloop"},
	{"restarting", "crashloop"},
	{"sous-domaine", "subdomain"},
	{"sous-domaines", "subdomain"},
	{"sub-path", "subpath"},
	{"sous-chemin", "subpath"},
	{"health check", "healthcheck"},
	// A name that does not resolve is a DNS failure, whatever the resolver
	// calls it (Go, glibc, Node).
	{"no such host", "dns resolution"},
	{"name resolution", "dns resolution"},
	{"could not resolve host", "dns resolution"},
	{"resolution de nom", "dns resolution"},
	{"resolution dns", "dns resolution"},
	{"health checks", "healthcheck"},
	{"health-check", "healthcheck"},
	// Tailscale's control server is what its --login-server flag names
	// (Headscale, here): "fetch control key", "control server key".
	{"control server", "control server loginserver"},
	{"control key", "control key loginserver"},
	{"coordination server", "coordination server loginserver"},
}

// synonyms maps folded French (and a few English) words to one canonical
// English stem, applied before stemming. Only true equivalents belong here.
var synonyms = map[string]string{
	"echoue": "fail", "echouee": "fail", "echouer": "fail", "echec": "fail", "echoues": "fail",
	"failed": "fail", "failing": "fail", "fails": "fail", "failure": "fail",
	"manquant": "missing", "manquante": "missing", "manquants": "missing", "manquantes": "missing",
	"absent": "missing", "absente": "missing", "absents": "missing", "absence": "missing",
	"fichier": "file", "fichiers": "file",
	"conteneur": "container", "conteneurs": "container",
	"redemarrage": "restart", "redemarrer": "restart", "redemarre": "restart", "redemarrages": "restart", "redemarrait": "restart",
	"relancer": "restart", "relance": "restart", "relancee": "restart",
	"reboot": "restart", "reboots": "restart", "rebooted": "restart", "rebooting": "restart",
	"demarrer": "start", "demarrage": "start", "demarre": "start", "demarrent": "start",
	"arrete": "stop", "arreter": "stop", "arretee": "stop", "stopped": "stop",
	"memoire": "memory",
	"modele":  "model", "modeles": "model",
	"appel": "call", "appels": "call",
	"classement": "ranking",
	"cle":        "key", "cles": "key",
	"droits": "permission", "droit": "permission",
	"lecture": "read", "lire": "read", "relit": "reread", "relire": "reread", "relue": "reread", "relus": "reread",
	"ecriture": "write", "ecrire": "write", "ecrit": "write",
	"secondes": "second", "seconde": "second",
	"facture": "bill", "facturation": "bill", "billing": "bill",
	"cout": "cost", "couts": "cost",
	"bloque": "block", "bloquee": "block", "bloquer": "block", "bloques": "block",
	"blocked": "block", "disallowed": "block", "disallow": "block", "bloqué": "block",
	"hang": "block", "hangs": "block", "hanging": "block", "stuck": "block", "frozen": "block", "freezes": "block",
	"coince": "block", "coincee": "block", "fige": "block", "figee": "block",
	"vide": "empty", "vides": "empty",
	"erreur": "error", "erreurs": "error",
	"jeton": "token", "jetons": "token",
	"utilisateur": "user", "utilisateurs": "user",
	"chemin": "path", "chemins": "path",
	"reseau": "network", "reseaux": "network",
	"disque":  "disk",
	"recreer": "recreate", "recree": "recreate", "recreation": "recreate", "recreated": "recreate", "recreating": "recreate",
	"recharge": "reload", "rechargee": "reload", "recharger": "reload", "reloaded": "reload", "non-recharge": "reload",
	"deploiement": "deploy", "deployer": "deploy", "deploye": "deploy", "deployed": "deploy",
	"mauvais": "wrong", "faux": "wrong", "incorrect": "wrong",
	"ignore": "ignor", "ignores": "ignor", "ignoree": "ignor", "ignored": "ignor", "ignoring": "ignor",
	"plante": "crash", "crashe": "crash", "crashes": "crash", "crashed": "crash",
	"mettre": "set", "ajoute": "add", "ajouter": "add", "ajoutee": "add",
	"apparait": "appear", "apparaissent": "appear", "appears": "appear", "visible": "appear",
	"cree": "create", "creer": "create", "creee": "create", "creation": "create", "created": "create",
	"supprime": "delete", "supprimer": "delete", "suppression": "delete", "deleted": "delete", "removed": "delete",
	"binaire":    "binary",
	"sauvegarde": "backup",
	"espace":     "space",
	"expire":     "expir", "expiree": "expir", "expirante": "expir", "expiration": "expir", "expired": "expir", "expiring": "expir", "expires": "expir",
	"usage": "use", "utiliser": "use", "utilise": "use",
	"renvoie": "return", "retourne": "return", "returns": "return", "renvoyer": "return", "retourner": "return",
	"resoudre": "resolv", "resolvent": "resolv", "resout": "resolv", "resolves": "resolv", "resolve": "resolv", "resolution": "resolv",
	"publique": "public",
	"entree":   "entry", "entrees": "entry",
	"doublon": "duplicate", "doublons": "duplicate", "duplicated": "duplicate",
	"tache": "task", "taches": "task",
	"moteur": "engine",
	"lent":   "slow", "lente": "slow",
	"bascule": "toggle", "basculer": "toggle",
	"ecoute": "listen", "ecoutent": "listen", "listening": "listen",
	"dossier": "directory", "repertoire": "directory", "dir": "directory", "dirs": "directory", "dossiers": "directory", "repertoires": "directory", "folder": "directory",
	"mount": "mount", "monte": "mount", "monter": "mount", "montage": "mount", "mounted": "mount",
	"sandbox": "sandbox", "bac": "sandbox",
	"invalide": "invalid",
	"inconnue": "unknown", "inconnu": "unknown", "unrecognized": "unknown", "unrecognised": "unknown", "non-reconnue": "unknown",
	"credit": "credit", "credits": "credit",
	"nuit":     "overnight",
	"hors":     "outside",
	"ancienne": "old", "ancien": "old", "anciennes": "old", "previous": "old",
	"nouvelle": "new", "nouveau": "new", "nouvelles": "new",
	"valeur": "value", "valeurs": "value",
	"silencieusement": "silent", "silently": "silent", "silencieux": "silent",
	"raspberry": "pi", "rpi": "pi", "raspi": "pi",
	"modifie": "change", "modifiee": "change", "modifies": "change", "modifier": "change", "modification": "change",
	"modifications": "change", "modified": "change", "modify": "change", "changed": "change", "changes": "change",
	"edited":       "change",
	"unauthorized": "authorization", "unauthorised": "authorization", "non-autorise": "authorization",
	"authentication": "authorization", "authenticate": "authorization", "authenticated": "authorization", "unauthenticated": "authorization",
	// PostgreSQL calls its users roles.
	"role": "user", "roles": "user",
	// A package repository, whatever the language calls it.
	"repository": "repo", "repositories": "repo", "repos": "repo", "depot": "repo", "depots": "repo",
}

// expansions add related terms at reduced weight: technical equivalences a
// reader of the corpus knows but that no translation gives.
var expansions = map[string][]string{
	"sh":               {"dash", "shell"},
	"wss":              {"websocket"},
	"ws":               {"websocket"},
	"websocket":        {"wss"},
	"::1":              {"ipv6", "localhost"},
	"psql":             {"postgresql"},
	"postgres":         {"postgresql"},
	"pg":               {"postgresql"},
	"pq":               {"postgresql"},
	"oom":              {"memory"},
	"oomkilled":        {"memory"},
	"eacces":           {"permissiondenied"},
	"enoent":           {"notfound"},
	"eaddrinuse":       {"alreadyinuse"},
	"h2":               {"http2"},
	"http2":            {"h2"},
	"upgrade":          {"websocket"},
	"db":               {"database"},
	"database":         {"db"},
	"yml":              {"yaml"},
	"yaml":             {"yml"},
	"tailnet":          {"tailscale"},
	"headscale":        {"tailscale"},
	"bill":             {"cost"},
	"cost":             {"bill"},
	"spent":            {"cost"},
	"usd":              {"cost"},
	"env_file":         {"env"},
	"unhealthy":        {"healthcheck", "health"},
	"permissiondenied": {"permission", "chown", "uid"},
	"writable":         {"write", "permission"},
	"ratelimited":      {"rate", "limit"},
	"pipefail":         {"bash", "dash"},
	"healthy":          {"healthcheck"},
	"getaddrinfo":      {"dns"},
	"enotfound":        {"dns"},
	"eai_again":        {"dns"},
	"nxdomain":         {"dns"},
	"mkdir":            {"directory", "create"},
	"handle_path":      {"subpath", "strip_prefix"},
	"strip_prefix":     {"subpath"},
	"401":              {"authorization"},
	"authentication":   {"authorization"},
	// Node's "JavaScript heap out of memory" is cured by a larger
	// --max-old-space-size or container memory.
	"heap": {"memory", "max-old-space-size"},
	// A release's code name names its distribution (apt sources, image
	// tags): noble is Ubuntu 24.04, bookworm Debian 12.
	"noble": {"ubuntu"}, "jammy": {"ubuntu"}, "focal": {"ubuntu"}, "plucky": {"ubuntu"},
	"bookworm": {"debian"}, "trixie": {"debian"}, "bullseye": {"debian"},
}

var stopwords = func() map[string]bool {
	words := strings.Fields(`
a an the and or but if of to in on at by for from with without into onto as is are was were be been being
it its this that these those there here then than so such not no nor do does did done doing have has had
i you he she we they me my your our their them his her us can could would should will shall may might must
what which who whom whose when where why how all any both each few more most other some own same very just
also only too again once out up down over under off about after before above below between through during
yet still even ever get got gets getting make makes made use used using via per etc eg ie vs
le la les un une des du de d l au aux et ou mais donc or ni car ce cet cette ces se sa son ses leur leurs
je tu il elle on nous vous ils elles me te moi toi lui y en ne pas plus moins tres trop
est sont etait etaient ete etre avoir a ai as avons avez ont avait avaient sera seront fait faire
qui que quoi dont ou quand comme si sur sous dans par pour avec sans chez entre vers depuis pendant avant apres
mon ma mes ton ta tes notre nos votre vos tout tous toute toutes meme aussi alors ainsi deja encore bien
c qu s j n m t voir cf via oui non quel quelle quels quelles lors afin car puis
ca cela ceci vais va vas allons allez vont aller dois doit devons devez doivent devoir
faut faudra fallait peux peut pouvons pouvez peuvent pourquoi comment veux veut voulons
voulez veulent est-ce suis es sommes etes rien chose quelque jamais souvent maintenant
hier demain aujourd'hui ici seulement juste vraiment pourtant cependant parce puisque
lorsque fois chaque autre autres sais sait savoir vois voit vu refaire dire dit prendre pris
essaie essaye essayer tente tenter
im i'm i've i'd we're you're it's that's there's going gonna want wants wanted need needs
needed tried try trying anything something nothing everything always never now today
tomorrow yesterday really actually definitely although though because since while whether
seems seem seemed looks look looked keep keeps kept already come comes came go goes went
know think thought saw able anyone someone anybody somebody why okay ok hey hi thanks please
`)
	m := make(map[string]bool, len(words))
	for _, w := range words {
		m[w] = true
	}
	return m
}()

var fileExt = map[string]bool{
	"sh": true, "md": true, "js": true, "mjs": true, "ts": true, "json": true, "yml": true, "yaml": true,
	"py": true, "go": true, "txt": true, "log": true, "conf": true, "cfg": true, "j2": true, "sql": true,
	"toml": true, "ini": true, "env": false, "html": true, "css": true, "svelte": true,
}

// identifierWeight is the weight of an underscored identifier, whole.
const identifierWeight = 1.6

// lowValue words are kept but count little: generic path components and log
// filler that name no pitfall on their own.
var lowValue = map[string]bool{
	"usr": true, "bin": true, "lib": true, "var": true, "opt": true, "tmp": true, "home": true,
	"etc": true, "srv": true, "mnt": true, "run": true, "proc": true, "sys": true, "dev": true,
	"local": true, "share": true, "node_modules": true, "src": true, "app": true,
	"error": true, "err": true, "warn": true, "warning": true, "info": true, "debug": true,
	"http": true, "https": true, "com": true, "www": true, "org": true, "io": true, "json": true,
	"line": true, "code": true, "status": true, "level": true, "msg": true, "message": true,
	"logs": true, "log": true, "docker": true, "container": true, "compose": true,
}

// generic words say that something went wrong, not what: they are kept (an
// error line is recognised by them) but weigh half.
var generic = stemSet(map[string]bool{
	"fail": true, "notfound": true, "file": true, "path": true, "unknown": true, "invalid": true,
	"missing": true, "deni": true, "unabl": true, "start": true, "process": true, "exception": true,
	"fatal": true, "cannot": true, "crash": true, "refus": true, "expect": true, "found": true,
	"exist": true, "wrong": true, "problem": true, "issue": true, "work": true, "doesn": true,
	"don": true, "can": true, "won": true, "isn": true, "nothing": true, "rien": true,
	"name": true, "type": true, "value": true, "valu": true, "default": true, "set": true, "config": true,
	"connect": true, "connection": true, "host": true, "remot": true, "request": true, "respons": true,
	"user": true, "service": true, "server": true, "run": true, "running": true, "new": true,
})

func stemSet(in map[string]bool) map[string]bool {
	out := make(map[string]bool, len(in))
	for w := range in {
		out[stem(w)] = true
	}
	return out
}

// background words are common in any log or stack trace, whatever broke:
// when the corpus lacks one, it is not evidence against a section.
var background = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`
runtime process exec executable oci unable start started starting stop container containers
connect connecting connected remote host module modules loader internal throw thrown resolve
resolved code exited exit main function object undefined null line column node thread goroutine
stack trace caller callback async await promise handler handle handled call called calling
task tasks job worker pid uid gid signal sigterm sigkill received receive sending send sent
request requests response responses reading read write writing open opening close closed
file files directory path value values key type types argument arguments option options
version module_not_found err_ errno syscall systemd unit service main fatal level msg time
timestamp debug info warn warning error errors exception exceptions failed failure unknown
check checking health status state starting retrying retry attempt attempts again later
please try see more details detail log logs output input config configuration load loading
loaded init initialize initializing server client listen listening port address bind
nil null bool int string struct func interface ptr
`) {
		m[stem(w)] = true
	}
	return m
}()

// stem reduces a folded word to a light, language-neutral stem. It is
// deliberately conservative: a wrong merge costs more than a missed one,
// and prefix matching in the index catches most of what it leaves apart.
func stem(w string) string {
	if s, ok := synonyms[w]; ok {
		return suffixStem(s)
	}
	w = suffixStem(w)
	if s, ok := synonyms[w]; ok {
		return suffixStem(s)
	}
	return w
}

func suffixStem(w string) string {
	n := len(w)
	if n <= 4 || !isAlpha(w) {
		return w
	}
	for _, suf := range []string{"ements", "ement", "ations", "ation", "ings", "ing", "ees", "ies", "es", "ed", "ee", "s", "e"} {
		if strings.HasSuffix(w, suf) && n-len(suf) >= 4 {
			if suf == "s" && (strings.HasSuffix(w, "ss") || strings.HasSuffix(w, "us") || strings.HasSuffix(w, "is")) {
				continue
			}
			w = w[:n-len(suf)]
			if suf == "ies" {
				w += "y"
			}
			break
		}
	}
	// American -ize meets French and British -ise: initialization,
	// initialisation, initialise all give "initialis".
	if len(w) >= 6 && strings.HasSuffix(w, "iz") {
		w = w[:len(w)-2] + "is"
	}
	return w
}

func isAlpha(w string) bool {
	for i := 0; i < len(w); i++ {
		if w[i] < 'a' || w[i] > 'z' {
			return false
		}
	}
	return true
}

func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c >= utf8.RuneSelf
}

// joiner bytes glue word pieces into compounds that are kept whole as well as
// split: model_scores, server.js, ai-model-scoring, import:workflow.
func isJoiner(c byte) bool {
	return c == '.' || c == '-' || c == ':' || c == '/' || c == '$' || c == '@'
}

// tokenize turns raw text into terms. It splits on anything that is not a
// word byte, keeps compounds joined by '_', '.', '-' whole next to their parts,
// splits camelCase, drops hex ids, long numbers and stopwords, and applies the
// synonyms, stemmer and expansions.
func tokenize(text string, unitBase int, emit func(term)) int {
	text = foldPhrases(text)
	unit := unitBase
	i := 0
	for i < len(text) {
		for i < len(text) && !isWordByte(text[i]) {
			if text[i] == ':' && i+2 < len(text) && text[i+1] == ':' && text[i+2] == '1' && (i+3 >= len(text) || !isWordByte(text[i+3])) {
				unit++
				emitWord("::1", unit, 1, emit)
				i += 3
				continue
			}
			i++
		}
		start := i
		// A raw word: word bytes joined by single joiners.
		for i < len(text) {
			if isWordByte(text[i]) {
				i++
				continue
			}
			if isJoiner(text[i]) && i+1 < len(text) && isWordByte(text[i+1]) {
				i++
				continue
			}
			break
		}
		if i > start {
			unit++
			if i-start >= 3 && isOption(text, start) {
				// A command-line option (-health, --force-recreate) names
				// one switch of one program: whole, as an identifier is.
				opt := "-" + strings.ToLower(text[start:i])
				emit(term{text: opt, weight: 1, unit: unit, whole: true, surface: opt})
			}
			emitRaw(text[start:i], unit, emit)
		}
	}
	return unit
}

// isOption reports whether the word at start is written as a command-line
// option: one or two dashes after a space, a quote or the line's start.
// One-letter options (-X, -d) say too little to count.
func isOption(text string, start int) bool {
	if start == 0 || text[start-1] != '-' || !isLower(text[start]) && !isUpper(text[start]) {
		return false
	}
	k := start - 1
	if k > 0 && text[k-1] == '-' {
		k--
	}
	return k == 0 || strings.IndexByte(" \t'\"=([", text[k-1]) >= 0
}

// foldPhrases folds accents and rewrites multi-word phrases, matched without
// regard to case; the rest of the text keeps its case.
func foldPhrases(text string) string {
	text = foldAccents(text)
	lower := asciiLower(text)
	for _, p := range phrases {
		if !strings.Contains(lower, p.from) {
			continue
		}
		var b strings.Builder
		for {
			k := strings.Index(lower, p.from)
			if k < 0 {
				break
			}
			b.WriteString(text[:k])
			b.WriteString(" " + p.to + " ")
			text, lower = text[k+len(p.from):], lower[k+len(p.from):]
		}
		b.WriteString(text)
		text = b.String()
		lower = asciiLower(text)
	}
	return text
}

// emitRaw handles one raw word such as "/opt/app/.next/standalone/server.js"
// or "litellm.InternalServerError": split at '/', ':' into segments; each
// segment is emitted whole when it is a compound, then as parts.
func emitRaw(raw string, unit int, outer func(term)) {
	for si, seg := range strings.FieldsFunc(raw, func(r rune) bool { return r == '/' || r == ':' || r == '$' || r == '@' }) {
		seg = strings.Trim(seg, ".-_")
		if seg == "" {
			continue
		}
		emit := func(t term) {
			t.seg = si
			outer(t)
		}
		parts := strings.FieldsFunc(seg, func(r rune) bool { return r == '_' || r == '.' || r == '-' })
		if len(parts) > 1 || len(parts) == 1 && isCamel(parts[0]) {
			whole := strings.ToLower(seg)
			if !isNoise(whole) && len(whole) <= 48 {
				// An identifier written with underscores (rate_limit,
				// model_scores, N8N_PROXY_HOPS) names one setting exactly:
				// the strongest evidence technical text carries.
				w := 1.0
				if strings.Contains(seg, "_") && len(parts) > 1 {
					w = identifierWeight
				}
				emit(term{text: whole, weight: w, unit: unit, whole: true, surface: whole})
				// Two words joined by a hyphen are also written as one:
				// pre-auth and preauth, sub-path and subpath.
				if len(parts) == 2 && !strings.ContainsAny(seg, "_.") && isAlpha(strings.ToLower(parts[0]+parts[1])) {
					emitWord(parts[0]+parts[1], unit, 1, emit)
				}
				// A host name also gives its domain (javisi.ewutelo.cloud →
				// ewutelo.cloud), so that a domain named everywhere in the
				// corpus is common wherever its hosts are written.
				if dots := strings.Count(seg, "."); dots >= 2 && !strings.ContainsAny(seg, "_") && isHostLike(whole) {
					dom := whole[strings.LastIndexByte(whole[:strings.LastIndexByte(whole, '.')], '.')+1:]
					emit(term{text: dom, weight: w * domainWeight, unit: unit, whole: true, surface: whole})
				}
			}
		}
		if isIPv4(seg) {
			// An address's octets are not numbers worth matching.
			continue
		}
		host := len(parts) >= 3 && isHostLike(strings.ToLower(seg))
		for k, p := range parts {
			if host && k >= len(parts)-2 {
				// The domain of a host name says whose site, not what
				// broke: javisi.ewutelo.cloud is about javisi.
				emitWord(p, unit, domainWeight, emit)
				continue
			}
			// A file extension says nothing of the content: "provision.sh"
			// is not about sh.
			if k == len(parts)-1 && k > 0 && fileExt[strings.ToLower(p)] && strings.Contains(seg, ".") {
				continue
			}
			if !isCamel(p) {
				emitWord(p, unit, 1, emit)
				continue
			}
			cp := camelParts(p)
			// camelCase pieces weigh half: "OpenRouter" is not about routers,
			// while "PermissionDenied" still meets "permission".
			if len(parts) > 1 {
				emitWord(p, unit, 1, emit)
			}
			for _, c := range cp {
				emitWord(c, unit, 0.5, emit)
			}
		}
	}
}

// isCamel reports whether camelParts would split seg, without splitting it.
func isCamel(seg string) bool {
	for i := 1; i < len(seg); i++ {
		if isCamelBreak(seg, i) {
			return true
		}
	}
	return false
}

func isCamelBreak(seg string, i int) bool {
	c := seg[i]
	return isUpper(c) && (isLower(seg[i-1]) || (i+1 < len(seg) && isLower(seg[i+1]) && isUpper(seg[i-1])))
}

// camelParts splits camelCase: lower→Upper, or UPPER→Upper+lower
// (HTTPServer → HTTP Server).
func camelParts(seg string) []string {
	var parts []string
	start := 0
	for i := 1; i < len(seg); i++ {
		if isCamelBreak(seg, i) {
			parts = append(parts, seg[start:i])
			start = i
		}
	}
	return append(parts, seg[start:])
}

func isUpper(c byte) bool { return c >= 'A' && c <= 'Z' }
func isLower(c byte) bool { return c >= 'a' && c <= 'z' }

func emitWord(w string, unit int, weight float64, emit func(term)) {
	w = strings.ToLower(w)
	if isNoise(w) || stopwords[w] {
		return
	}
	if lowValue[w] {
		weight = math.Min(weight, 0.3)
	}
	s := stem(w)
	if s == "" || stopwords[s] {
		return
	}
	if generic[s] {
		weight = math.Min(weight, 0.5)
	}
	emit(term{text: s, weight: weight, unit: unit, surface: w})
	for _, x := range expansions[w] {
		emit(term{text: stem(x), weight: 0.7 * weight, unit: unit, related: true, surface: x})
	}
}

// isNoise reports words that identify nothing: one letter, long numbers,
// hex ids and hashes.
func isNoise(w string) bool {
	if len(w) < 2 {
		return true
	}
	digits, hex, letters := 0, 0, 0
	for i := 0; i < len(w); i++ {
		c := w[i]
		switch {
		case c >= '0' && c <= '9':
			digits++
		case c >= 'a' && c <= 'f':
			hex++
			letters++
		case c >= 'a' && c <= 'z':
			letters++
		case c >= 'A' && c <= 'Z':
			letters++
		}
	}
	if digits == len(w) {
		// One or two digits (dates, counters) and years say nothing; HTTP
		// codes, ports and sizes do.
		return len(w) <= 2 || len(w) > 5 || len(w) == 4 && (w[:2] == "19" || w[:2] == "20")
	}
	// Hex ids (container ids, hashes, request ids): all hex, some digits.
	if digits > 0 && digits+hex == len(w) && len(w) >= 8 {
		return true
	}
	// A hexadecimal literal (Mode:0x0, flags 0x1f) is a number.
	if len(w) > 2 && w[:2] == "0x" && digits+hex == len(w)-1 {
		return true
	}
	// Words that are mostly digits (blob872957069, v12345678).
	if digits >= 6 && digits*2 > len(w) {
		return true
	}
	return false
}

// isHostLike: dot-separated labels of letters, digits and dashes, the last
// one letters only (a top-level domain, not a file extension or version).
func isHostLike(w string) bool {
	labels := strings.Split(w, ".")
	tld := labels[len(labels)-1]
	if len(tld) < 2 || !isAlpha(tld) || fileExt[tld] {
		return false
	}
	for _, l := range labels {
		if l == "" {
			return false
		}
		for i := 0; i < len(l); i++ {
			if c := l[i]; !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return true
}

// domainWeight is the weight of a host name's domain and its labels: the
// operator's own domain is in every URL they paste. A variable only so that
// the tuning test can sweep it.
var domainWeight = 0.6

func isIPv4(s string) bool {
	n := 0
	for _, p := range strings.Split(s, ".") {
		if p == "" || len(p) > 3 {
			return false
		}
		for i := 0; i < len(p); i++ {
			if p[i] < '0' || p[i] > '9' {
				return false
			}
		}
		n++
	}
	return n == 4
}
