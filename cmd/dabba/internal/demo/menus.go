package demo

// dish is a menu item as a cuisine usually has it; each restaurant of the
// cuisine sells a selection at its own prices.
type dish struct {
	category, name, description string
	// rupees is the usual price in whole rupees.
	rupees int64
	// tags such as "veg", "spicy"; "bestseller" is given per restaurant.
	tags []string
}

// hoursStyle is how a kind of kitchen keeps its hours.
type hoursStyle int

const (
	// allDay: breakfast to dinner without a break (darshinis, cafés).
	allDay hoursStyle = iota
	// meals: lunch and dinner with a break in the afternoon.
	meals
	// lateNight: evening until after midnight.
	lateNight
	// daytime: morning to evening (bowls, bakeries).
	daytime
)

// cuisine is a kind of kitchen: its dishes and the restaurants that cook it.
type cuisine struct {
	// name is the lower-case cuisine restaurants are filtered by.
	name   string
	hours  hoursStyle
	brands []string
	dishes []dish
}

func d(category, name, description string, rupees int64, tags ...string) dish {
	return dish{category, name, description, rupees, tags}
}

// cuisines is what Bengaluru orders, with four restaurants of each.
func cuisines() []cuisine {
	return []cuisine{
		{"south indian", allDay, []string{"Udupi Sri Krishna Bhavan", "Vidyarthi Darshini", "Annapoorna Tiffin Room", "Malleshwaram Dosa Corner"}, []dish{
			d("Breakfast", "Idli Vada", "Two steamed rice idlis and a crisp medu vada with coconut chutney and sambar", 70, "veg"),
			d("Breakfast", "Rava Idli", "Semolina idli with cashew and curry leaves, served with sagu", 65, "veg"),
			d("Breakfast", "Khara Bath", "Spiced semolina upma with vegetables and ghee", 55, "veg"),
			d("Breakfast", "Kesari Bath", "Sweet saffron semolina with ghee and raisins", 55, "veg"),
			d("Dosa", "Masala Dosa", "Crisp rice crêpe with potato palya, chutney and sambar", 95, "veg"),
			d("Dosa", "Benne Masala Dosa", "Davangere-style butter dosa, soft inside and crisp outside", 120, "veg"),
			d("Dosa", "Set Dosa", "Three spongy dosas with vegetable sagu", 90, "veg"),
			d("Dosa", "Mysore Masala Dosa", "Dosa spread with fiery red chutney and potato palya", 115, "veg", "spicy"),
			d("Dosa", "Onion Rava Dosa", "Lacy semolina dosa with onions and green chilli", 110, "veg"),
			d("Rice", "Bisi Bele Bath", "Karnataka rice, lentils and vegetables with spice powder and boondi", 90, "veg", "spicy"),
			d("Rice", "Curd Rice", "Tempered curd rice with pomegranate and pickle", 75, "veg"),
			d("Rice", "Lemon Rice", "Tangy turmeric rice with peanuts and curry leaves", 70, "veg"),
			d("Meals", "South Indian Thali", "Rice, sambar, rasam, two palyas, curd, papad and payasa", 180, "veg"),
			d("Snacks", "Maddur Vada", "Crisp onion and semolina vada from Maddur", 50, "veg"),
			d("Snacks", "Mangalore Buns", "Sweet banana puris, soft and fluffy", 60, "veg"),
			d("Beverages", "Filter Coffee", "Strong decoction with frothed milk, served in a davara", 35, "veg", "bestseller"),
			d("Beverages", "Badam Milk", "Warm almond milk with saffron", 60, "veg"),
			d("Desserts", "Chiroti", "Layered flaky pastry with powdered sugar and badam milk", 80, "veg"),
		}},
		{"north indian", meals, []string{"Punjabi Rasoi", "Dilli Darbar", "Amritsari Haveli", "Tandoor Tales"}, []dish{
			d("Starters", "Paneer Tikka", "Charred cottage cheese cubes marinated in spiced hung curd", 289, "veg"),
			d("Starters", "Tandoori Chicken (Half)", "Chicken on the bone, marinated overnight and roasted in the tandoor", 329, "non-veg", "spicy"),
			d("Starters", "Hara Bhara Kebab", "Spinach, pea and potato patties with mint chutney", 229, "veg"),
			d("Starters", "Chicken Malai Tikka", "Creamy cheese and cardamom chicken kebabs", 339, "non-veg"),
			d("Mains", "Butter Chicken", "Tandoori chicken in a silky tomato, butter and fenugreek gravy", 369, "non-veg"),
			d("Mains", "Paneer Butter Masala", "Cottage cheese in a rich tomato and cashew gravy", 299, "veg"),
			d("Mains", "Dal Makhani", "Black lentils slow-cooked overnight with butter and cream", 259, "veg"),
			d("Mains", "Kadai Paneer", "Paneer and peppers tossed with freshly pounded kadai masala", 289, "veg", "spicy"),
			d("Mains", "Rogan Josh", "Kashmiri mutton curry with red chilli and fennel", 429, "non-veg", "spicy"),
			d("Mains", "Chole", "Punjabi chickpea curry with dried pomegranate", 219, "veg"),
			d("Mains", "Palak Paneer", "Cottage cheese in garlic-tempered spinach", 279, "veg"),
			d("Breads", "Butter Naan", "Leavened flatbread from the tandoor, brushed with butter", 60, "veg"),
			d("Breads", "Garlic Naan", "Naan topped with garlic and coriander", 75, "veg"),
			d("Breads", "Laccha Paratha", "Flaky layered whole-wheat paratha", 65, "veg"),
			d("Breads", "Tandoori Roti", "Whole-wheat flatbread from the tandoor", 35, "veg", "vegan"),
			d("Rice", "Jeera Rice", "Basmati rice tempered with cumin", 169, "veg", "vegan"),
			d("Rice", "Veg Pulao", "Basmati rice with vegetables and whole spices", 199, "veg"),
			d("Accompaniments", "Boondi Raita", "Spiced yoghurt with crisp gram-flour pearls", 89, "veg"),
			d("Desserts", "Gulab Jamun (2 pcs)", "Milk dumplings in cardamom sugar syrup", 99, "veg"),
			d("Desserts", "Phirni", "Chilled rice pudding with saffron and pistachio", 119, "veg"),
			d("Beverages", "Sweet Lassi", "Thick churned yoghurt with sugar and a dash of rose", 99, "veg"),
		}},
		{"biryani", lateNight, []string{"Nawab's Dum Biryani", "Biryani Mahal", "Donne Biryani Angadi", "Deccan Dum House"}, []dish{
			d("Biryani", "Chicken Dum Biryani", "Hyderabadi dum biryani with long-grain basmati, mirchi ka salan and raita", 289, "non-veg", "spicy"),
			d("Biryani", "Mutton Dum Biryani", "Tender mutton layered with saffron rice, sealed and slow-cooked", 379, "non-veg", "spicy"),
			d("Biryani", "Donne Chicken Biryani", "Bengaluru military-hotel biryani with jeera samba rice, served in a leaf cup", 249, "non-veg", "spicy"),
			d("Biryani", "Egg Biryani", "Dum biryani with masala-fried boiled eggs", 219, "egg"),
			d("Biryani", "Veg Dum Biryani", "Seasonal vegetables and paneer in fragrant basmati", 219, "veg"),
			d("Biryani", "Paneer Biryani", "Spiced paneer cubes layered with saffron rice", 249, "veg"),
			d("Biryani", "Family Pack Chicken Biryani", "Serves four, with two salans and raita", 899, "non-veg"),
			d("Starters", "Chicken 65", "Crisp fried chicken tossed with curry leaves and green chilli", 249, "non-veg", "spicy"),
			d("Starters", "Chicken Kebab", "Military-hotel style fried chicken kebab", 229, "non-veg", "spicy"),
			d("Starters", "Gobi Manchurian Dry", "Fried cauliflower tossed in soy and chilli", 179, "veg"),
			d("Sides", "Mirchi Ka Salan", "Green chillies in a peanut and sesame gravy", 79, "veg", "spicy"),
			d("Sides", "Onion Raita", "Yoghurt with onion and cucumber", 49, "veg"),
			d("Sides", "Extra Rice (Biryani Rice)", "A portion of plain biryani rice", 129, "veg"),
			d("Desserts", "Double Ka Meetha", "Hyderabadi bread pudding with saffron and dry fruit", 119, "veg"),
			d("Desserts", "Qubani Ka Meetha", "Stewed apricots with fresh cream", 139, "veg"),
			d("Beverages", "Thums Up (300 ml)", "Chilled cola", 40, "veg"),
		}},
		{"chinese", lateNight, []string{"Wok Street", "Dragon Bowl", "Jade Garden Kitchen", "Hakka Junction"}, []dish{
			d("Soups", "Veg Manchow Soup", "Spicy vegetable broth topped with crisp noodles", 149, "veg", "spicy"),
			d("Soups", "Chicken Hot and Sour Soup", "Tangy, peppery soup with shredded chicken", 169, "non-veg", "spicy"),
			d("Soups", "Sweet Corn Soup", "Creamy corn soup with vegetables", 139, "veg"),
			d("Starters", "Chilli Chicken Dry", "Indo-Chinese fried chicken with peppers and green chilli", 279, "non-veg", "spicy"),
			d("Starters", "Gobi Manchurian", "Cauliflower florets in garlic-soy Manchurian sauce", 209, "veg"),
			d("Starters", "Crispy Honey Chilli Potato", "Potato fingers glazed with honey and chilli, sesame on top", 219, "veg"),
			d("Starters", "Dragon Prawns", "Crisp prawns in a fiery red sauce", 379, "non-veg", "spicy"),
			d("Starters", "Veg Momos (6 pcs)", "Steamed dumplings with a spicy tomato dip", 149, "veg"),
			d("Starters", "Chicken Momos (6 pcs)", "Steamed chicken dumplings with chilli dip", 179, "non-veg"),
			d("Noodles", "Veg Hakka Noodles", "Wok-tossed noodles with cabbage, carrot and spring onion", 199, "veg"),
			d("Noodles", "Chicken Schezwan Noodles", "Noodles in fiery Schezwan sauce", 239, "non-veg", "spicy"),
			d("Noodles", "Egg Chow Mein", "Pan-fried noodles with scrambled egg", 219, "egg"),
			d("Rice", "Veg Fried Rice", "Wok-fried rice with vegetables and spring onion", 189, "veg"),
			d("Rice", "Chicken Burnt Garlic Fried Rice", "Fried rice with chicken and crisp garlic", 239, "non-veg"),
			d("Mains", "Chicken in Black Bean Sauce", "Stir-fried chicken with black beans and peppers", 299, "non-veg"),
			d("Mains", "Tofu in Hot Garlic Sauce", "Silken tofu in a garlicky chilli sauce", 259, "veg", "vegan", "spicy"),
			d("Desserts", "Date Pancake with Ice Cream", "Crisp pancake stuffed with dates, vanilla ice cream on the side", 169, "veg"),
		}},
		{"pizza", lateNight, []string{"Forno Napoli", "Slice of Bengaluru", "Crust & Co.", "Brick Oven Pizzeria"}, []dish{
			d("Pizzas", "Margherita", "San Marzano tomato, fior di latte and basil on a wood-fired base", 349, "veg", "bestseller"),
			d("Pizzas", "Farmhouse", "Mushroom, capsicum, onion and sweet corn", 399, "veg"),
			d("Pizzas", "Pepperoni", "Spicy chicken pepperoni and mozzarella", 479, "non-veg", "spicy"),
			d("Pizzas", "Tandoori Paneer", "Tandoori paneer, onion, peppers and mint mayo", 429, "veg"),
			d("Pizzas", "Chicken Tikka", "Chicken tikka, red onion and jalapeño", 469, "non-veg", "spicy"),
			d("Pizzas", "Quattro Formaggi", "Mozzarella, gorgonzola, parmesan and cheddar", 499, "veg"),
			d("Pizzas", "Funghi e Tartufo", "Wild mushrooms, truffle oil and thyme", 529, "veg"),
			d("Pizzas", "Diavola", "Chicken salami, chilli flakes and olives", 489, "non-veg", "spicy"),
			d("Pasta", "Penne Arrabbiata", "Penne in a spicy tomato and garlic sauce", 329, "veg", "spicy"),
			d("Pasta", "Spaghetti Aglio e Olio", "Garlic, olive oil, chilli and parsley", 319, "veg", "vegan"),
			d("Pasta", "Fettuccine Alfredo with Chicken", "Creamy parmesan sauce with grilled chicken", 389, "non-veg"),
			d("Sides", "Garlic Bread with Cheese", "Toasted baguette with garlic butter and mozzarella", 179, "veg"),
			d("Sides", "Peri Peri Fries", "Fries dusted with peri peri", 149, "veg", "spicy"),
			d("Desserts", "Tiramisu", "Espresso-soaked savoiardi with mascarpone", 249, "veg"),
			d("Desserts", "Choco Lava Cake", "Warm chocolate cake with a molten centre", 129, "veg"),
			d("Beverages", "Lemon Iced Tea", "Brewed black tea with lemon", 119, "veg", "vegan"),
		}},
		{"burgers", lateNight, []string{"Grill Garage", "Burger Barn", "Smash Bros Burgers", "Patty Shack"}, []dish{
			d("Burgers", "Classic Chicken Burger", "Grilled chicken patty, lettuce, tomato and house mayo", 229, "non-veg"),
			d("Burgers", "Double Smash Burger", "Two smashed chicken patties, cheddar, pickles and burger sauce", 319, "non-veg", "bestseller"),
			d("Burgers", "Crispy Paneer Burger", "Crumb-fried paneer with tandoori mayo", 219, "veg"),
			d("Burgers", "Aloo Tikki Burger", "Spiced potato patty with mint chutney and onion", 149, "veg"),
			d("Burgers", "Spicy Fried Chicken Burger", "Buttermilk fried chicken with sriracha slaw", 269, "non-veg", "spicy"),
			d("Burgers", "Mushroom Swiss Burger", "Veg patty, sautéed mushrooms and Swiss cheese", 259, "veg"),
			d("Burgers", "Lamb Burger", "Minted lamb patty with tzatziki", 349, "non-veg"),
			d("Sides", "Salted Fries", "Thick-cut fries with sea salt", 119, "veg", "vegan"),
			d("Sides", "Loaded Cheese Fries", "Fries with cheese sauce and jalapeños", 179, "veg"),
			d("Sides", "Chicken Wings (6 pcs)", "Wings tossed in buffalo sauce", 249, "non-veg", "spicy"),
			d("Sides", "Onion Rings", "Beer-battered onion rings", 139, "veg"),
			d("Shakes", "Oreo Shake", "Thick vanilla shake blended with Oreo", 179, "veg"),
			d("Shakes", "Salted Caramel Shake", "Caramel, sea salt and vanilla ice cream", 189, "veg"),
			d("Beverages", "Fresh Lime Soda", "Sweet or salted, with fresh lime", 89, "veg", "vegan"),
		}},
		{"cafe", allDay, []string{"Filter Kaapi House", "Brew & Bake", "Cubbon Café", "Indiranagar Roastery"}, []dish{
			d("Coffee", "Cappuccino", "Double shot of Chikmagalur arabica with steamed milk", 189, "veg"),
			d("Coffee", "Cold Brew", "Steeped for eighteen hours, served over ice", 219, "veg", "vegan"),
			d("Coffee", "South Indian Filter Coffee", "Coffee-chicory decoction with hot milk", 99, "veg"),
			d("Coffee", "Hazelnut Latte", "Espresso, steamed milk and hazelnut", 229, "veg"),
			d("Tea", "Masala Chai", "Assam tea boiled with ginger, cardamom and milk", 99, "veg"),
			d("Tea", "Iced Peach Tea", "Black tea with peach and mint", 169, "veg", "vegan"),
			d("All Day Breakfast", "Eggs Benedict", "Poached eggs, hollandaise and toasted brioche", 329, "egg"),
			d("All Day Breakfast", "Masala Omelette Sandwich", "Fluffy masala omelette in toasted sourdough", 199, "egg"),
			d("All Day Breakfast", "Avocado Toast", "Smashed avocado, chilli flakes and feta on sourdough", 349, "veg"),
			d("All Day Breakfast", "Granola Bowl", "House granola, Greek yoghurt, honey and fruit", 279, "veg"),
			d("Sandwiches", "Pesto Chicken Panini", "Grilled chicken, basil pesto and mozzarella", 299, "non-veg"),
			d("Sandwiches", "Bombay Masala Toast", "Spiced potato, beetroot and green chutney", 179, "veg", "spicy"),
			d("Bakes", "Butter Croissant", "Laminated all-butter croissant", 149, "veg"),
			d("Bakes", "Banana Walnut Bread", "Moist loaf slice with toasted walnuts", 139, "veg"),
			d("Bakes", "Blueberry Cheesecake", "Baked New York cheesecake with blueberry compote", 259, "veg"),
		}},
		{"desserts", lateNight, []string{"Kulfi Kingdom", "Sugar Bloom Patisserie", "Gelato Gully", "Mysore Pak Mane"}, []dish{
			d("Ice Creams", "Tender Coconut Ice Cream", "Made with fresh tender coconut", 149, "veg"),
			d("Ice Creams", "Belgian Chocolate Gelato", "Dark chocolate gelato", 179, "veg"),
			d("Ice Creams", "Alphonso Mango Sorbet", "Ratnagiri Alphonso mango, dairy-free", 159, "veg", "vegan"),
			d("Kulfi", "Malai Kulfi", "Slow-reduced milk kulfi with pistachio", 99, "veg"),
			d("Kulfi", "Kesar Pista Kulfi", "Saffron and pistachio kulfi on a stick", 109, "veg"),
			d("Sweets", "Mysore Pak (250 g)", "Ghee-rich gram-flour fudge, melt-in-the-mouth", 249, "veg", "bestseller"),
			d("Sweets", "Dharwad Peda (250 g)", "Caramelised milk peda from Dharwad", 229, "veg"),
			d("Sweets", "Rasmalai (2 pcs)", "Cottage-cheese discs in saffron milk", 149, "veg"),
			d("Sweets", "Holige", "Sweet flatbread stuffed with jaggery and lentils, with ghee", 89, "veg"),
			d("Cakes", "Red Velvet Pastry", "Cream-cheese frosted red velvet slice", 159, "veg"),
			d("Cakes", "Chocolate Truffle Cake (500 g)", "Layers of chocolate sponge and ganache", 649, "veg"),
			d("Cakes", "Eggless Pineapple Pastry", "Fresh cream and pineapple", 119, "veg"),
			d("Waffles", "Nutella Waffle", "Crisp waffle with Nutella and banana", 219, "veg"),
			d("Waffles", "Red Velvet Waffle", "With cream-cheese drizzle", 229, "veg"),
		}},
		{"kerala", meals, []string{"Malabar Spice Kitchen", "Kappa & Meen", "Thalassery Table", "Kochi Kadal"}, []dish{
			d("Breakfast", "Appam with Vegetable Stew", "Lacy rice hoppers with coconut-milk stew", 179, "veg"),
			d("Breakfast", "Puttu and Kadala Curry", "Steamed rice cylinders with black chickpea curry", 159, "veg"),
			d("Breads", "Malabar Parotta", "Flaky layered parotta", 45, "veg"),
			d("Mains", "Kerala Chicken Curry", "Chicken in roasted coconut and spice gravy", 299, "non-veg", "spicy"),
			d("Mains", "Beef Ularthiyathu", "Slow-roasted beef with coconut slivers and curry leaves", 349, "non-veg", "spicy"),
			d("Mains", "Fish Moilee", "Seer fish simmered in mild coconut milk with turmeric", 389, "non-veg"),
			d("Mains", "Meen Pollichathu", "Pearl spot marinated, wrapped in banana leaf and pan-roasted", 449, "non-veg", "spicy"),
			d("Mains", "Prawn Roast", "Prawns roasted with shallots and pepper", 429, "non-veg", "spicy"),
			d("Mains", "Avial", "Mixed vegetables in coconut and curd with coconut oil", 199, "veg"),
			d("Mains", "Kappa Biryani", "Tapioca cooked with beef and spices", 299, "non-veg"),
			d("Rice", "Thalassery Chicken Biryani", "Kaima rice biryani with fried onions and cashews", 329, "non-veg"),
			d("Meals", "Kerala Sadya Meals", "Matta rice, sambar, avial, thoran, olan, pachadi, papadam and payasam", 299, "veg"),
			d("Desserts", "Ada Pradhaman", "Rice flakes in jaggery and coconut milk", 129, "veg"),
			d("Beverages", "Sulaimani Tea", "Black tea with lemon and spices", 49, "veg", "vegan"),
		}},
		{"andhra", meals, []string{"Guntur Chilli House", "Nellore Meals Hall", "Andhra Ruchulu", "Gongura Mess"}, []dish{
			d("Meals", "Andhra Veg Meals", "Rice, pappu, two curries, gunpowder, ghee, rasam, sambar and curd", 199, "veg", "spicy"),
			d("Meals", "Andhra Non-Veg Meals", "Veg meals with chicken curry and egg", 289, "non-veg", "spicy"),
			d("Starters", "Chicken Pepper Fry", "Boneless chicken fried with black pepper and curry leaves", 279, "non-veg", "spicy"),
			d("Starters", "Apollo Fish", "Crisp fried fish tossed in a spicy yoghurt sauce", 319, "non-veg", "spicy"),
			d("Starters", "Mushroom Pepper Fry", "Button mushrooms with pepper and onions", 229, "veg", "spicy"),
			d("Mains", "Gongura Mutton", "Mutton cooked with tangy sorrel leaves", 399, "non-veg", "spicy"),
			d("Mains", "Gongura Chicken", "Chicken with sorrel leaves and Guntur chilli", 319, "non-veg", "spicy"),
			d("Mains", "Natu Kodi Pulusu", "Country-chicken curry in tamarind gravy", 369, "non-veg", "spicy"),
			d("Mains", "Gutti Vankaya Curry", "Stuffed brinjals in peanut and sesame masala", 219, "veg", "spicy"),
			d("Mains", "Pappu", "Lentils with tomato or spinach, tempered with garlic", 149, "veg"),
			d("Rice", "Pulihora", "Tamarind rice with peanuts", 129, "veg", "vegan"),
			d("Rice", "Ulavacharu Chicken Biryani", "Biryani with horse-gram reduction", 319, "non-veg", "spicy"),
			d("Sides", "Gunpowder with Ghee", "Spiced lentil powder to mix with rice", 39, "veg", "spicy"),
			d("Desserts", "Double Ka Meetha", "Fried bread pudding with saffron milk", 109, "veg"),
			d("Beverages", "Masala Buttermilk", "Spiced buttermilk with ginger and coriander", 49, "veg"),
		}},
		{"street food", daytime, []string{"Chaat Chowk", "VV Puram Bites", "Bombay Pav Co.", "Kolkata Kathi Rolls"}, []dish{
			d("Chaat", "Pani Puri", "Six crisp puris with spiced water and sweet chutney", 60, "veg", "spicy"),
			d("Chaat", "Masala Puri", "Bengaluru-style crushed puri in warm pea masala", 70, "veg", "bestseller"),
			d("Chaat", "Dahi Puri", "Puris filled with potato, yoghurt and chutneys", 80, "veg"),
			d("Chaat", "Papdi Chaat", "Crisp wafers, chickpeas, yoghurt and tamarind", 90, "veg"),
			d("Chaat", "Aloo Tikki Chaat", "Potato patties with chole and chutneys", 100, "veg"),
			d("Pav", "Vada Pav", "Spiced potato fritter in a pav with garlic chutney", 50, "veg", "spicy"),
			d("Pav", "Pav Bhaji", "Buttery mashed vegetable curry with two toasted pavs", 140, "veg"),
			d("Pav", "Misal Pav", "Spicy sprout curry with farsan and pav", 130, "veg", "spicy"),
			d("Rolls", "Chicken Kathi Roll", "Flaky paratha roll with chicken tikka and onions", 160, "non-veg"),
			d("Rolls", "Paneer Kathi Roll", "Paratha roll with paneer tikka", 150, "veg"),
			d("Rolls", "Egg Roll", "Paratha fried with egg, rolled with onion and chilli", 110, "egg"),
			d("Snacks", "Akki Roti", "Rice-flour flatbread with onion and dill, with chutney", 80, "veg"),
			d("Snacks", "Samosa (2 pcs)", "Potato and pea samosas with chutney", 50, "veg"),
			d("Sweets", "Jalebi (100 g)", "Hot, crisp jalebis", 60, "veg"),
			d("Beverages", "Kokum Sherbet", "Cool and tangy kokum drink", 60, "veg", "vegan"),
		}},
		{"healthy", daytime, []string{"Green Bowl Co.", "Millet Mantra", "Salad Days", "Protein Patch"}, []dish{
			d("Bowls", "Grilled Chicken Quinoa Bowl", "Quinoa, grilled chicken, roasted vegetables and tahini", 349, "non-veg", "gluten-free"),
			d("Bowls", "Ragi Mudde Meal", "Finger-millet balls with soppu saaru and salad", 199, "veg", "vegan", "gluten-free"),
			d("Bowls", "Paneer Tikka Millet Bowl", "Foxtail millet with paneer tikka and mint yoghurt", 299, "veg", "gluten-free"),
			d("Bowls", "Tofu Buddha Bowl", "Brown rice, tofu, edamame, greens and peanut dressing", 319, "veg", "vegan"),
			d("Salads", "Greek Salad", "Cucumber, tomato, olives, feta and oregano", 269, "veg", "gluten-free"),
			d("Salads", "Chicken Caesar Salad", "Romaine, grilled chicken, parmesan and croutons", 319, "non-veg"),
			d("Salads", "Sprouts Chaat Salad", "Moong sprouts, pomegranate, onion and lime", 179, "veg", "vegan"),
			d("Wraps", "Falafel Wrap", "Falafel, hummus and pickled vegetables in whole-wheat wrap", 249, "veg", "vegan"),
			d("Wraps", "Egg White Wrap", "Egg whites, spinach and peppers", 229, "egg"),
			d("Soups", "Roasted Tomato Basil Soup", "Slow-roasted tomatoes with basil", 169, "veg", "vegan", "gluten-free"),
			d("Juices", "ABC Juice", "Apple, beetroot and carrot, cold-pressed", 149, "veg", "vegan"),
			d("Juices", "Green Detox", "Spinach, cucumber, apple and ginger", 159, "veg", "vegan"),
			d("Desserts", "Ragi Brownie", "Finger-millet and jaggery brownie", 129, "veg"),
			d("Desserts", "Chia Pudding", "Coconut milk chia pudding with mango", 169, "veg", "vegan"),
		}},
	}
}
