package webui

import (
	"strconv"
)

// Count is a whole number with the language's thousands separator.
func (l *locale) Count(n int) string {
	s := strconv.Itoa(n)
	sep := ","
	if l.decimal == "," {
		sep = "\u202f" // French: a narrow no-break space
	}
	neg := ""
	if n < 0 {
		neg, s = "-", s[1:]
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + sep + s[i:]
	}
	return neg + s
}

// mediaMessages are the hash-sharing pages' strings, merged into the
// catalogue when the package loads.
var mediaMessages = map[string]map[string]string{
	"en": {
		"nav.banks":                "Hash banks",
		"nav.match":                "Match media",
		"title.banks":              "Hash banks",
		"title.match":              "Match media",
		"done.bank":                "Bank created.",
		"done.feedback":            "Your feedback was recorded.",
		"done.reinstated":          "The hash matches again.",
		"bank.list.title":          "Hash banks",
		"bank.list.intro":          "Hashes of known terrorist photos and videos, shared by members. Every upload checked against them matches all rotations and flips; a new hash matches within a second.",
		"bank.list.empty":          "No bank yet.",
		"bank.name":                "Bank",
		"bank.name.hint":           "Capital letters, digits and _, as HMA requires: e.g. ATTACK_FOOTAGE.",
		"bank.description":         "Description",
		"bank.kind":                "Kind",
		"bank.kind.positive":       "Known terrorist media",
		"bank.kind.negative":       "Known false positives",
		"bank.signals":             "Hashes",
		"bank.threshold":           "PDQ threshold",
		"bank.threshold.hint":      "Largest distance between two photos that counts as a match: 31 is the reference's advice; lower is stricter.",
		"bank.err.threshold":       "Give a whole number from 0 to 52.",
		"bank.quality":             "Quality floor",
		"bank.video":               "vPDQ frames to match",
		"bank.state":               "State",
		"bank.enabled":             "Matching",
		"bank.disabled":            "Disabled",
		"bank.create":              "Create a bank",
		"bank.create.submit":       "Create the bank",
		"bank.label.entity":        "Entity",
		"bank.label.behaviour":     "Behaviour",
		"bank.label.incident":      "Incident",
		"bank.back":                "All banks",
		"bank.growth":              "Hashes added, last %d days",
		"bank.matches":             "Lookups that matched, last %d days",
		"bank.contribute":          "Contribute a photo or video",
		"bank.contribute.submit":   "Hash and add",
		"bank.uploaded":            "%d hashes added, %d already in the bank.",
		"bank.quarantined":         "Quarantined",
		"bank.quarantined.none":    "No quarantined hash.",
		"bank.disputed":            "Disputed",
		"bank.disputed.none":       "No disputed hash.",
		"bank.feedback.counts":     "%d agree, %d disagree",
		"bank.reinstate":           "Reinstate",
		"bank.agree":               "Agree",
		"bank.disagree":            "Disagree",
		"bank.authority.note":      "Authorities see the banks' sizes and matches, not the hashes themselves.",
		"match.title":              "Match media",
		"match.intro":              "Upload a photo or video: Vigie hashes it here, then looks it up in every enabled bank. The file is not kept.",
		"match.file":               "Photo or video",
		"match.file.hint":          "JPEG, PNG, GIF, WebP, or a video; at most 64 MB.",
		"match.submit":             "Match",
		"match.err.nofile":         "Choose a file to upload.",
		"match.result":             "Result for %s",
		"match.quality":            "quality %d",
		"match.frames":             "%d frames",
		"match.hit":                "Matches known media in %d places.",
		"match.none":               "No match in the banks.",
		"match.suppressed":         "%d matches withheld: the media is a known false positive.",
		"match.type":               "Hash",
		"match.distance":           "Distance",
		"match.variant":            "Seen as",
		"match.labels":             "Labels",
		"match.variant.original":   "as is",
		"match.variant.rot90":      "rotated 90°",
		"match.variant.rot180":     "rotated 180°",
		"match.variant.rot270":     "rotated 270°",
		"match.variant.flipx":      "mirrored",
		"match.variant.flipy":      "flipped",
		"match.variant.flipplus1":  "mirrored on a diagonal",
		"match.variant.flipminus1": "mirrored on the other diagonal",
	},
	"fr": {
		"nav.banks":                "Banques d'empreintes",
		"nav.match":                "Comparer un média",
		"title.banks":              "Banques d'empreintes",
		"title.match":              "Comparer un média",
		"done.bank":                "Banque créée.",
		"done.feedback":            "Votre avis est enregistré.",
		"done.reinstated":          "L'empreinte est de nouveau comparée.",
		"bank.list.title":          "Banques d'empreintes",
		"bank.list.intro":          "Empreintes de photos et vidéos terroristes connues, partagées par les membres. Chaque média comparé l'est aussi dans toutes ses rotations et symétries ; une empreinte ajoutée est prise en compte en moins d'une seconde.",
		"bank.list.empty":          "Aucune banque pour l'instant.",
		"bank.name":                "Banque",
		"bank.name.hint":           "Majuscules, chiffres et _, comme le veut HMA : par ex. IMAGES_ATTENTAT.",
		"bank.description":         "Description",
		"bank.kind":                "Type",
		"bank.kind.positive":       "Médias terroristes connus",
		"bank.kind.negative":       "Faux positifs connus",
		"bank.signals":             "Empreintes",
		"bank.threshold":           "Seuil PDQ",
		"bank.threshold.hint":      "Plus grande distance entre deux photos qui compte comme correspondance : 31 selon la référence ; plus bas est plus strict.",
		"bank.err.threshold":       "Indiquez un nombre entier de 0 à 52.",
		"bank.quality":             "Qualité minimale",
		"bank.video":               "Images vPDQ à retrouver",
		"bank.state":               "État",
		"bank.enabled":             "Active",
		"bank.disabled":            "Désactivée",
		"bank.create":              "Créer une banque",
		"bank.create.submit":       "Créer la banque",
		"bank.label.entity":        "Entité",
		"bank.label.behaviour":     "Comportement",
		"bank.label.incident":      "Incident",
		"bank.back":                "Toutes les banques",
		"bank.growth":              "Empreintes ajoutées, %d derniers jours",
		"bank.matches":             "Recherches ayant trouvé, %d derniers jours",
		"bank.contribute":          "Ajouter une photo ou une vidéo",
		"bank.contribute.submit":   "Calculer et ajouter",
		"bank.uploaded":            "%d empreintes ajoutées, %d déjà dans la banque.",
		"bank.quarantined":         "En quarantaine",
		"bank.quarantined.none":    "Aucune empreinte en quarantaine.",
		"bank.disputed":            "Contestées",
		"bank.disputed.none":       "Aucune empreinte contestée.",
		"bank.feedback.counts":     "%d d'accord, %d pas d'accord",
		"bank.reinstate":           "Rétablir",
		"bank.agree":               "D'accord",
		"bank.disagree":            "Pas d'accord",
		"bank.authority.note":      "Les autorités voient la taille des banques et les correspondances, pas les empreintes elles-mêmes.",
		"match.title":              "Comparer un média",
		"match.intro":              "Déposez une photo ou une vidéo : Vigie calcule ses empreintes ici puis les cherche dans toutes les banques actives. Le fichier n'est pas conservé.",
		"match.file":               "Photo ou vidéo",
		"match.file.hint":          "JPEG, PNG, GIF, WebP ou une vidéo ; 64 Mo au plus.",
		"match.submit":             "Comparer",
		"match.err.nofile":         "Choisissez un fichier.",
		"match.result":             "Résultat pour %s",
		"match.quality":            "qualité %d",
		"match.frames":             "%d images",
		"match.hit":                "Correspond à des médias connus (%d).",
		"match.none":               "Aucune correspondance dans les banques.",
		"match.suppressed":         "%d correspondances écartées : ce média est un faux positif connu.",
		"match.type":               "Empreinte",
		"match.distance":           "Distance",
		"match.variant":            "Vu",
		"match.labels":             "Étiquettes",
		"match.variant.original":   "tel quel",
		"match.variant.rot90":      "tourné de 90°",
		"match.variant.rot180":     "tourné de 180°",
		"match.variant.rot270":     "tourné de 270°",
		"match.variant.flipx":      "en miroir",
		"match.variant.flipy":      "retourné",
		"match.variant.flipplus1":  "en miroir sur une diagonale",
		"match.variant.flipminus1": "en miroir sur l'autre diagonale",
	},
}

func init() {
	for _, l := range languages {
		for k, v := range mediaMessages[l.Tag] {
			l.msg[k] = v
		}
	}
}
