package demo

import "github.com/dabba/dabba/store"

// area is a Bengaluru neighbourhood: where restaurants cook and customers
// live, with the streets addresses are made of.
type area struct {
	name    string
	pincode string
	centre  store.Point
	streets []string
	// office is true for the tech parks and business districts people
	// order lunch to.
	office bool
}

// city is Bengaluru, spread over the neighbourhoods a delivery platform
// serves, from Yelahanka in the north to Electronic City in the south.
func city() []area {
	return []area{
		{"Indiranagar", "560038", store.Point{Lat: 12.9719, Lng: 77.6412}, []string{"100 Feet Road", "12th Main Road", "CMH Road", "Double Road"}, false},
		{"Koramangala", "560034", store.Point{Lat: 12.9352, Lng: 77.6245}, []string{"80 Feet Road", "5th Block Main Road", "Jyoti Nivas College Road", "Sarjapur Main Road"}, true},
		{"HSR Layout", "560102", store.Point{Lat: 12.9116, Lng: 77.6474}, []string{"27th Main Road", "Sector 1 Main Road", "14th Cross Road", "Agara Lake Road"}, false},
		{"Jayanagar", "560041", store.Point{Lat: 12.9308, Lng: 77.5838}, []string{"11th Main Road", "30th Cross Road", "East End Main Road", "South End Road"}, false},
		{"JP Nagar", "560078", store.Point{Lat: 12.9063, Lng: 77.5857}, []string{"24th Main Road", "15th Cross Road", "Outer Ring Road", "Kanakapura Road"}, false},
		{"Malleshwaram", "560003", store.Point{Lat: 13.0031, Lng: 77.5643}, []string{"Sampige Road", "Margosa Road", "8th Cross Road", "18th Cross Road"}, false},
		{"Whitefield", "560066", store.Point{Lat: 12.9698, Lng: 77.7500}, []string{"ITPL Main Road", "Whitefield Main Road", "Varthur Road", "Hope Farm Road"}, true},
		{"Electronic City", "560100", store.Point{Lat: 12.8399, Lng: 77.6770}, []string{"Hosur Road", "Infosys Avenue", "Neeladri Road", "Doddathoguru Road"}, true},
		{"BTM Layout", "560076", store.Point{Lat: 12.9166, Lng: 77.6101}, []string{"16th Main Road", "7th Cross Road", "Bannerghatta Road", "29th Main Road"}, false},
		{"Basavanagudi", "560004", store.Point{Lat: 12.9422, Lng: 77.5737}, []string{"DVG Road", "Gandhi Bazaar Main Road", "Bull Temple Road", "Armugam Circle"}, false},
		{"Marathahalli", "560037", store.Point{Lat: 12.9569, Lng: 77.7011}, []string{"Outer Ring Road", "Kundalahalli Road", "Munnekollal Main Road", "Old Airport Road"}, true},
		{"Hebbal", "560024", store.Point{Lat: 13.0358, Lng: 77.5970}, []string{"Bellary Road", "Manyata Tech Park Road", "Kempapura Main Road", "Hebbal Ring Road"}, true},
		{"Yelahanka", "560064", store.Point{Lat: 13.1007, Lng: 77.5963}, []string{"Doddaballapur Road", "4th Phase Main Road", "Attur Layout Road", "Puttenahalli Road"}, false},
		{"Rajajinagar", "560010", store.Point{Lat: 12.9915, Lng: 77.5560}, []string{"Dr Rajkumar Road", "West of Chord Road", "6th Block Main Road", "Navrang Circle Road"}, false},
		{"Frazer Town", "560005", store.Point{Lat: 12.9968, Lng: 77.6131}, []string{"Mosque Road", "Coles Road", "MM Road", "Wheeler Road"}, false},
		{"MG Road", "560001", store.Point{Lat: 12.9756, Lng: 77.6050}, []string{"Church Street", "Brigade Road", "Residency Road", "Museum Road"}, true},
		{"Bellandur", "560103", store.Point{Lat: 12.9260, Lng: 77.6762}, []string{"Outer Ring Road", "Green Glen Layout Road", "Kadubeesanahalli Road", "Bellandur Main Road"}, true},
		{"Banashankari", "560070", store.Point{Lat: 12.9255, Lng: 77.5468}, []string{"Outer Ring Road", "50 Feet Road", "Kathriguppe Main Road", "BSK 2nd Stage Road"}, false},
		{"RT Nagar", "560032", store.Point{Lat: 13.0213, Lng: 77.5946}, []string{"RT Nagar Main Road", "CBI Road", "Ganganagar Road", "Sultanpalya Road"}, false},
		{"Ulsoor", "560008", store.Point{Lat: 12.9817, Lng: 77.6286}, []string{"Ulsoor Road", "Kensington Road", "Murphy Road", "Cambridge Road"}, false},
		{"Domlur", "560071", store.Point{Lat: 12.9610, Lng: 77.6387}, []string{"Old Airport Road", "Domlur Layout Main Road", "Amarjyothi Layout Road", "Intermediate Ring Road"}, true},
		{"Sarjapur Road", "560035", store.Point{Lat: 12.9107, Lng: 77.6850}, []string{"Sarjapur Main Road", "Kaikondrahalli Road", "Doddakannelli Road", "Wipro Avenue"}, true},
		{"Kalyan Nagar", "560043", store.Point{Lat: 13.0280, Lng: 77.6400}, []string{"HRBR Layout Main Road", "Kammanahalli Main Road", "Babusapalya Road", "5th Cross Road"}, false},
		{"Vijayanagar", "560040", store.Point{Lat: 12.9719, Lng: 77.5350}, []string{"Chord Road", "Hampinagar Main Road", "MC Layout Road", "Pipeline Road"}, false},
		{"Sadashivanagar", "560080", store.Point{Lat: 13.0068, Lng: 77.5813}, []string{"Sankey Road", "Palace Road", "Bashyam Circle", "Sadashivanagar Main Road"}, false},
		{"Bannerghatta Road", "560076", store.Point{Lat: 12.8880, Lng: 77.5970}, []string{"Bannerghatta Main Road", "Arekere Main Road", "Hulimavu Road", "Meenakshi Layout Road"}, true},
	}
}

// homes are the residential buildings customers live in.
func homes() []string {
	return []string{"Sai Residency", "Prestige Park View", "Sobha Lily", "Brigade Gardens", "Nandi Enclave", "Shanthi Nilaya",
		"Green Meadows", "Lakshmi Nivas", "Purva Riviera", "Mantri Elegance", "Krishna Kuteera", "Adarsh Palm Retreat",
		"Sri Venkateshwara Apartments", "Salarpuria Gardenia", "Ganga Block", "Cauvery Towers"}
}

// offices are the tech parks and towers customers work in.
func offices() []string {
	return []string{"Embassy Tech Village", "RMZ Ecoworld", "Bagmane Tech Park", "Prestige Tech Park", "Global Village Tech Park",
		"Manyata Embassy Business Park", "ITPL Park Square", "Salarpuria Sattva Knowledge City", "Divyasree Technopolis", "WTC Brigade Gateway"}
}
