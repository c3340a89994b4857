package alert

import (
	"strings"

	"golang.org/x/text/language"

	"github.com/vigie-project/vigie/cap"
)

// Template is a ready-made alert for a common instruction, written in
// advance in French, English and Arabic so that nobody has to write or
// translate under pressure. The texts follow the tone of official guidance:
// short sentences, one action each, no alarmist words. The UI pre-fills the
// form with Prefill; the author adds the area and adjusts what differs.
type Template struct {
	Name         string           `json:"name"`
	ResponseType cap.ResponseType `json:"response_type"`
	Categories   []cap.Category   `json:"categories"`
	Urgency      cap.Urgency      `json:"urgency"`
	Severity     cap.Severity     `json:"severity"`
	Certainty    cap.Certainty    `json:"certainty"`
	Texts        []Text           `json:"texts"`
}

// The templates.
var (
	// Shelter: an attack is under way nearby; stay inside.
	Shelter = Template{
		Name: "shelter", ResponseType: cap.RespShelter, Categories: []cap.Category{cap.CatSecurity},
		Urgency: cap.UrgImmediate, Severity: cap.SevExtreme, Certainty: cap.CertObserved,
		Texts: []Text{
			{Language: "fr", Event: "Attaque terroriste", Headline: "Attaque en cours : mettez-vous à l'abri",
				Instruction: "Entrez dans le bâtiment le plus proche et restez-y. Fermez les portes à clé, éloignez-vous des fenêtres, " +
					"éteignez les lumières et coupez le son de votre téléphone. Ne sortez pas avant la fin d'alerte. " +
					"N'appelez le 112 qu'en cas d'urgence."},
			{Language: "en", Event: "Terrorist attack", Headline: "Attack in progress: take shelter now",
				Instruction: "Go into the nearest building and stay there. Lock the doors, keep away from windows, " +
					"switch off the lights and silence your phone. Do not go out until the all-clear. " +
					"Call 112 only in an emergency."},
			{Language: "ar", Event: "هجوم إرهابي", Headline: "هجوم جارٍ: احتموا فوراً",
				Instruction: "ادخلوا أقرب مبنى وابقوا فيه. أقفلوا الأبواب، وابتعدوا عن النوافذ، " +
					"وأطفئوا الأنوار، واجعلوا هواتفكم صامتة. لا تخرجوا قبل إعلان انتهاء الإنذار. " +
					"لا تتصلوا بالرقم 112 إلا في حالات الطوارئ."},
		},
	}
	// Avoid: a security operation or incident; keep away and let the
	// services work.
	Avoid = Template{
		Name: "avoid", ResponseType: cap.RespAvoid, Categories: []cap.Category{cap.CatSecurity},
		Urgency: cap.UrgImmediate, Severity: cap.SevSevere, Certainty: cap.CertObserved,
		Texts: []Text{
			{Language: "fr", Event: "Incident de sécurité", Headline: "Incident de sécurité : évitez le secteur",
				Instruction: "Ne vous rendez pas dans le secteur indiqué. Si vous y êtes, éloignez-vous calmement. " +
					"Laissez passer les véhicules de secours et suivez les consignes des forces de l'ordre. " +
					"Ne diffusez ni rumeurs ni images."},
			{Language: "en", Event: "Security incident", Headline: "Security incident: avoid the area",
				Instruction: "Do not go to the area shown. If you are there, move away calmly. " +
					"Let emergency vehicles through and follow police instructions. " +
					"Do not share rumours or images."},
			{Language: "ar", Event: "حادث أمني", Headline: "حادث أمني: تجنّبوا المنطقة",
				Instruction: "لا تتوجهوا إلى المنطقة المحددة. إذا كنتم فيها، فابتعدوا عنها بهدوء. " +
					"أفسحوا الطريق لسيارات الإسعاف والطوارئ، واتبعوا تعليمات قوات الأمن. " +
					"لا تنشروا الشائعات أو الصور."},
		},
	}
	// Evacuate: the area itself is in danger; leave it.
	Evacuate = Template{
		Name: "evacuate", ResponseType: cap.RespEvacuate, Categories: []cap.Category{cap.CatSecurity},
		Urgency: cap.UrgImmediate, Severity: cap.SevExtreme, Certainty: cap.CertLikely,
		Texts: []Text{
			{Language: "fr", Event: "Menace grave", Headline: "Menace grave : évacuez le secteur",
				Instruction: "Quittez le secteur indiqué dès maintenant, à pied si possible, sans revenir chercher vos affaires. " +
					"Suivez les consignes des forces de l'ordre et des secours. Ne restez pas à proximité. " +
					"Une fois en sécurité, rassurez vos proches."},
			{Language: "en", Event: "Serious threat", Headline: "Serious threat: leave the area now",
				Instruction: "Leave the area shown now, on foot if you can, without going back for your belongings. " +
					"Follow the instructions of the police and emergency services. Do not stay nearby. " +
					"Once safe, let your family know."},
			{Language: "ar", Event: "تهديد خطير", Headline: "تهديد خطير: أخلوا المنطقة فوراً",
				Instruction: "غادروا المنطقة المحددة الآن، سيراً على الأقدام إن أمكن، ولا تعودوا لأخذ أغراضكم. " +
					"اتبعوا تعليمات قوات الأمن وفرق الإسعاف. لا تبقوا بالقرب من المكان. " +
					"عندما تصبحون في أمان، طمئنوا ذويكم."},
		},
	}
	// AllClear: the danger has passed. Service.AllClear uses these texts
	// by default and keeps the alert's own event.
	AllClear = Template{
		Name: "all_clear", ResponseType: cap.RespAllClear, Categories: []cap.Category{cap.CatSecurity},
		Urgency: cap.UrgPast, Severity: cap.SevMinor, Certainty: cap.CertObserved,
		Texts: []Text{
			{Language: "fr", Event: "Fin d'alerte", Headline: "Fin d'alerte : le danger est écarté",
				Instruction: "Le danger est écarté. Vous pouvez sortir et reprendre vos activités en suivant les consignes des autorités. " +
					"Des perturbations peuvent persister dans le secteur. Si vous avez besoin d'aide, appelez le 112."},
			{Language: "en", Event: "All clear", Headline: "All clear: the danger has passed",
				Instruction: "The danger has passed. You may go out and resume your activities, following the authorities' instructions. " +
					"Disruption may continue in the area. If you need help, call 112."},
			{Language: "ar", Event: "انتهاء الإنذار", Headline: "انتهاء الإنذار: زال الخطر",
				Instruction: "زال الخطر. يمكنكم الخروج واستئناف أنشطتكم مع اتباع تعليمات السلطات. " +
					"قد تستمر بعض الاضطرابات في المنطقة. إذا احتجتم إلى المساعدة، اتصلوا بالرقم 112."},
		},
	}
)

// Templates lists the templates, for the form's menu.
func Templates() []Template { return []Template{Shelter, Avoid, Evacuate, AllClear} }

// TemplateNamed returns the template of that name.
func TemplateNamed(name string) (Template, bool) {
	for _, t := range Templates() {
		if t.Name == name {
			return t, true
		}
	}
	return Template{}, false
}

// Text returns the template's text in a language (a tag such as "fr-FR"
// finds "fr").
func (t Template) Text(lang string) (Text, bool) { return textFor(t.Texts, lang) }

// textFor finds the text of a language: the same tag, else the same base
// language.
func textFor(texts []Text, lang string) (Text, bool) {
	for _, x := range texts {
		if strings.EqualFold(x.Language, lang) {
			return x, true
		}
	}
	want := baseOf(lang)
	for _, x := range texts {
		if want != "" && baseOf(x.Language) == want {
			return x, true
		}
	}
	return Text{}, false
}

func baseOf(tag string) string {
	t, err := language.Parse(tag)
	if err != nil {
		return ""
	}
	b, _ := t.Base()
	return b.String()
}

// Prefill writes the template into a draft: its response type; its
// category, urgency, severity and certainty where the draft has none; and
// for each of its languages the event, headline and instruction, in the
// draft's info of that language (kept: description, area description,
// sender name) or in a new one. The shared event becomes the English one, the lingua
// franca of receivers that read only one info.
func (t Template) Prefill(d *Draft) {
	d.ResponseTypes = []cap.ResponseType{t.ResponseType}
	if len(d.Categories) == 0 {
		d.Categories = append([]cap.Category(nil), t.Categories...)
	}
	if d.Urgency == "" {
		d.Urgency = t.Urgency
	}
	if d.Severity == "" {
		d.Severity = t.Severity
	}
	if d.Certainty == "" {
		d.Certainty = t.Certainty
	}
	if en, ok := t.Text("en"); ok {
		d.Event = en.Event
	}
	for _, x := range t.Texts {
		i := -1
		for j := range d.Infos {
			if baseOf(d.Infos[j].Language) == baseOf(x.Language) {
				i = j
				break
			}
		}
		if i < 0 {
			d.Infos = append(d.Infos, Info{Language: x.Language})
			i = len(d.Infos) - 1
		}
		in := &d.Infos[i]
		in.Event, in.Headline, in.Instruction = x.Event, x.Headline, x.Instruction
		if x.Description != "" { // the description tells what happened: the author's, not the template's
			in.Description = x.Description
		}
	}
}
