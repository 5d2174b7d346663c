package seed

import "github.com/telecaller-crm/api/db"

// The vocabularies the generator draws from. Changing any list or weight
// changes every generated value after it, so ids for a seed change too.

var firstNames = []string{
	"Aarav", "Vivaan", "Aditya", "Vihaan", "Arjun", "Sai", "Reyansh", "Ayaan", "Krishna", "Ishaan",
	"Rohan", "Karthik", "Rahul", "Amit", "Vikram", "Suresh", "Manoj", "Nikhil", "Pranav", "Siddharth",
	"Harish", "Ganesh", "Deepak", "Anil", "Farhan", "Imran", "Gurpreet", "Harpreet", "Joseph", "Abhishek",
	"Ananya", "Diya", "Aadhya", "Saanvi", "Pari", "Anika", "Navya", "Ishita", "Kavya", "Meera",
	"Pooja", "Neha", "Sneha", "Divya", "Lakshmi", "Swati", "Priyanka", "Shreya", "Nandini", "Aishwarya",
	"Revathi", "Fatima", "Zoya", "Simran", "Manpreet", "Tanvi", "Bhavna", "Radhika", "Sunita", "Mary",
}

var lastNames = []string{
	"Sharma", "Verma", "Gupta", "Agarwal", "Mehta", "Shah", "Patel", "Desai", "Joshi", "Kulkarni",
	"Deshpande", "Patil", "Jadhav", "Pawar", "Iyer", "Iyengar", "Nair", "Menon", "Pillai", "Reddy",
	"Rao", "Naidu", "Chowdary", "Krishnan", "Subramanian", "Banerjee", "Chatterjee", "Mukherjee", "Das", "Bose",
	"Sen", "Ghosh", "Singh", "Kaur", "Gill", "Sandhu", "Khan", "Qureshi", "Siddiqui", "Sheikh",
	"Mishra", "Pandey", "Tiwari", "Dubey", "Yadav", "Chauhan", "Rathore", "Thakur", "Fernandes", "D'Souza",
}

var companies = []string{
	"Kaveri Textiles Pvt Ltd", "Sahyadri Logistics", "Shree Ganesh Traders", "Nilgiri Foods", "Deccan Auto Parts",
	"Ganga Pharma Distributors", "Malabar Spices Export", "Vindhya Builders", "Coromandel Agro", "Aravalli Solar",
	"Konkan Seafoods", "Brahmaputra Tea Co", "Indus Fintech Solutions", "Narmada Cements", "Himalaya Health Clinic",
	"Lotus Interiors", "Peacock Travels", "Banyan Software Labs", "Saffron Hospitality", "Chola Motors",
	"Pragati Coaching Centre", "Sunrise Realty", "Vistara Events", "Annapurna Caterers", "Tulsi Ayurveda",
	"Orbit EduTech", "Mandovi Shipping", "Kohinoor Jewellers", "Shakti Steel Works", "Neelkanth Electricals",
}

var cities = []string{
	"Pune", "Mumbai", "Bengaluru", "Hyderabad", "Chennai", "Delhi", "Gurugram", "Noida", "Ahmedabad", "Jaipur",
	"Kolkata", "Lucknow", "Kochi", "Indore", "Nagpur", "Coimbatore", "Chandigarh", "Surat",
}

var tagVocabulary = []string{
	"hot", "enterprise", "renewal", "webinar", "q4", "smb", "demo-requested", "price-sensitive", "festive-offer", "partner",
}

var emailDomains = []string{"example.com", "example.net", "example.org"}

var leadNotes = []string{
	"Asked for pricing for 20 seats.",
	"Prefers calls after 6 pm.",
	"Met at the Pune SaaS meetup.",
	"Decision maker is the finance head.",
	"Wants a Hindi-speaking contact.",
	"Currently using spreadsheets; evaluating options.",
	"Budget approval expected next quarter.",
	"Referred by an existing customer.",
	"Call on the office landline in the morning.",
	"Interested in the annual plan discount.",
}

var interactionNotes = map[db.Outcome][]string{
	db.OutcomeConnected:         {"Introduced the product.", "Shared the brochure on WhatsApp.", "Discussed requirements briefly.", "Spoke to the assistant."},
	db.OutcomeNoAnswer:          {"Rang out.", "No answer, will retry.", "Phone switched off."},
	db.OutcomeBusy:              {"Line busy.", "Cut the call, busy."},
	db.OutcomeVoicemail:         {"Left a voicemail.", "Left a message with the callback number."},
	db.OutcomeWrongNumber:       {"Wrong number, person does not know the lead.", "Number belongs to someone else."},
	db.OutcomeCallbackRequested: {"Asked to call back tomorrow.", "In a meeting, call back in the evening.", "Call back after the festival."},
	db.OutcomeInterested:        {"Wants a demo.", "Interested, asked for a quotation.", "Liked the features, checking with the team."},
	db.OutcomeNotInterested:     {"Not interested right now.", "Already using a competitor.", "Too expensive for them."},
	db.OutcomeConverted:         {"Signed up for the annual plan.", "Payment received, onboarding scheduled.", "Closed the deal."},
	db.OutcomeDoNotCall:         {"Asked not to be called again.", "Registered on DND, remove from list."},
}

// weighted is a value with a relative weight.
type weighted[T any] struct {
	v T
	w int
}

var statusWeights = []weighted[db.LeadStatus]{
	{db.StatusNew, 25}, {db.StatusContacted, 20}, {db.StatusInterested, 12}, {db.StatusFollowUp, 13},
	{db.StatusQualified, 8}, {db.StatusConverted, 7}, {db.StatusNotInterested, 8}, {db.StatusLost, 4},
	{db.StatusDoNotCall, 3},
}

var sourceWeights = []weighted[db.LeadSource]{
	{db.SourceWebsite, 25}, {db.SourceReferral, 15}, {db.SourceColdCall, 15}, {db.SourceSocialMedia, 14},
	{db.SourceAdvertisement, 12}, {db.SourceEvent, 8}, {db.SourceImport, 7}, {db.SourceOther, 4},
}

var priorityWeights = []weighted[db.LeadPriority]{
	{db.PriorityLow, 25}, {db.PriorityMedium, 45}, {db.PriorityHigh, 22}, {db.PriorityUrgent, 8},
}

// interactionFactor scales a lead's expected interaction count by its status:
// converted and qualified leads took more touches than ones merely contacted.
var interactionFactor = map[db.LeadStatus]float64{
	db.StatusContacted: 0.6, db.StatusInterested: 1.0, db.StatusFollowUp: 1.1, db.StatusQualified: 1.4,
	db.StatusConverted: 1.8, db.StatusNotInterested: 0.8, db.StatusLost: 1.3, db.StatusDoNotCall: 0.7,
}

// earlierOutcomes are the outcomes of calls before a lead's last one.
var earlierOutcomes = []weighted[db.Outcome]{
	{db.OutcomeNoAnswer, 30}, {db.OutcomeBusy, 12}, {db.OutcomeVoicemail, 10}, {db.OutcomeConnected, 28},
	{db.OutcomeCallbackRequested, 15}, {db.OutcomeInterested, 5},
}

// finalOutcomes are the plausible outcomes of the last interaction of a lead
// in each status.
var finalOutcomes = map[db.LeadStatus][]weighted[db.Outcome]{
	db.StatusContacted:     {{db.OutcomeConnected, 40}, {db.OutcomeNoAnswer, 25}, {db.OutcomeBusy, 15}, {db.OutcomeVoicemail, 20}},
	db.StatusInterested:    {{db.OutcomeInterested, 1}},
	db.StatusFollowUp:      {{db.OutcomeCallbackRequested, 70}, {db.OutcomeInterested, 30}},
	db.StatusQualified:     {{db.OutcomeInterested, 60}, {db.OutcomeConnected, 40}},
	db.StatusConverted:     {{db.OutcomeConverted, 1}},
	db.StatusNotInterested: {{db.OutcomeNotInterested, 1}},
	db.StatusLost:          {{db.OutcomeNoAnswer, 40}, {db.OutcomeWrongNumber, 30}, {db.OutcomeNotInterested, 30}},
	db.StatusDoNotCall:     {{db.OutcomeDoNotCall, 1}},
}

// earlierTypes are the channels of interactions before a lead's last one.
var earlierTypes = []weighted[db.InteractionType]{
	{db.TypeCall, 78}, {db.TypeWhatsApp, 8}, {db.TypeEmail, 6}, {db.TypeSMS, 4}, {db.TypeNote, 2}, {db.TypeMeeting, 2},
}
