package demo

// firstNames are given names common in Bengaluru, from across India.
func firstNames() []string {
	return []string{"Aarav", "Ananya", "Arjun", "Asha", "Bhavya", "Chaitra", "Darshan", "Deepa", "Divya", "Farhan",
		"Gautam", "Harini", "Ishaan", "Jyothi", "Karthik", "Kavya", "Kiran", "Lakshmi", "Manoj", "Meera",
		"Mohammed", "Nandini", "Naveen", "Neha", "Nikhil", "Pooja", "Pradeep", "Priya", "Rahul", "Ramya",
		"Ravi", "Rohan", "Sahana", "Sameer", "Sanjana", "Santosh", "Shreya", "Siddharth", "Sneha", "Sowmya",
		"Srinivas", "Sunita", "Suresh", "Tanvi", "Tejas", "Uma", "Varun", "Vidya", "Vikram", "Yash",
		"Zoya", "Abhishek", "Aishwarya", "Chetan", "Fathima", "Girish", "Joseph", "Mary", "Prakash", "Roshni"}
}

// lastNames are family names common in Bengaluru.
func lastNames() []string {
	return []string{"Rao", "Reddy", "Gowda", "Shetty", "Iyer", "Iyengar", "Nair", "Menon", "Pillai", "Kumar",
		"Sharma", "Verma", "Gupta", "Hegde", "Kamath", "Bhat", "Naidu", "Patil", "Kulkarni", "Deshpande",
		"Khan", "Ahmed", "Fernandes", "D'Souza", "Thomas", "Joshi", "Mehta", "Chatterjee", "Banerjee", "Das",
		"Krishnan", "Subramanian", "Murthy", "Prasad", "Shenoy", "Acharya", "Srinivasan", "Raju", "Singh", "Kaur"}
}

// orderNotes are what customers tell kitchens.
func orderNotes() []string {
	return []string{"less spicy please", "extra chutney", "no onion, no garlic", "please send cutlery",
		"don't ring the bell, baby sleeping", "leave at the security gate", "make it extra spicy"}
}

// reviewTexts are what customers write, by rating from 1 to 5 (index 0 is 1).
func reviewTexts() [5][]string {
	return [5][]string{
		{"Arrived cold and an hour late. Never again.", "Wrong order delivered and nobody answered the phone.", "Food was stale, very disappointed."},
		{"Portion was much smaller than last time.", "Too oily, and the raita was missing.", "Delivery took forever and the packaging leaked."},
		{"Decent food, nothing special.", "Taste was fine but it could have been hotter.", "Okay for the price.", ""},
		{"Tasty and well packed. Would order again.", "Good food, delivery was a bit slow.", "Generous portions, nicely spiced.", ""},
		{"Best in the area, arrived piping hot!", "Absolutely delicious, just like eating at the restaurant.", "Super quick delivery and amazing taste.",
			"Our go-to place for weekend dinners.", "Perfectly spiced, the courier was very polite too.", ""},
	}
}
