package demo

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/dabba/dabba/store"
)

// plan is the whole demo data set, decided up front from the seed, so that a
// seed resumed after an interruption asks for exactly what the interrupted
// one did. It holds no times: those depend on when the seed runs.
type plan struct {
	restaurants []plannedRestaurant
	customers   []store.CustomerInput
	couriers    []store.CourierInput
	orders      []plannedOrder
}

type plannedRestaurant struct {
	input store.RestaurantInput
	menu  []store.MenuItemInput
}

// plannedOrder is an order and the life it has had by the time the demo
// starts. Indexes point into the plan's restaurants, menus, customers and
// couriers.
type plannedOrder struct {
	key        string
	restaurant int
	customer   int
	address    store.Address
	lines      []plannedLine
	surge      int
	notes      string
	// steps are the moves after placement, in order.
	steps []step
	// courier is the courier index, -1 when none is assigned.
	courier int
	// rating is the review's rating, 0 when the customer wrote none.
	rating int
	review string
}

type plannedLine struct{ item, quantity int }

// step is one move of an order and who makes it.
type step struct {
	to     store.OrderStatus
	by     store.Role
	reason string
}

const (
	// The Indian mobile numbers of demo people are made unique by this
	// multiplier, prime and so coprime with the 10⁹ numbers after the
	// leading digit.
	phoneStride = 7919
	cityZone    = "Asia/Kolkata"
)

func newPlan(o Options) (*plan, error) {
	rng := rand.New(rand.NewPCG(o.Seed, 0x64616262))
	cs := cuisines()
	brands := 0
	for _, c := range cs {
		brands += len(c.brands)
	}
	if o.Restaurants > brands {
		return nil, fmt.Errorf("the demo has %d restaurants at most, not %d", brands, o.Restaurants)
	}
	p := &plan{}
	areas := city()
	for i := range o.Restaurants {
		// Round robin over the cuisines, so that any number of restaurants mixes them.
		c := cs[i%len(cs)]
		p.restaurants = append(p.restaurants, planRestaurant(rng, c, c.brands[i/len(cs)], areas[(i*7)%len(areas)]))
	}
	for i := range o.Customers {
		p.customers = append(p.customers, planCustomer(rng, i, areas))
	}
	for i := range o.Couriers {
		p.couriers = append(p.couriers, planCourier(rng, i))
	}
	for i, target := range orderTargets(rng, o.Orders) {
		po, ok := p.planOrder(rng, target)
		if !ok {
			return nil, fmt.Errorf("no customer of the demo lives within reach of its restaurants")
		}
		po.key = fmt.Sprintf("demo-%d-%04d", o.Seed, i)
		p.orders = append(p.orders, po)
	}
	p.assignCouriers(rng)
	return p, nil
}

func planRestaurant(rng *rand.Rand, c cuisine, brand string, a area) plannedRestaurant {
	in := store.RestaurantInput{
		Name:            brand,
		Cuisine:         c.name,
		Address:         fmt.Sprintf("%d, %s, %s, Bengaluru %s", 1+rng.IntN(400), pick(rng, a.streets), a.name, a.pincode),
		Location:        near(rng, a.centre, 0.006),
		Timezone:        cityZone,
		OpeningHours:    planHours(rng, c.hours),
		DeliveryRadiusM: 3000 + 500*rng.IntN(9),
		MinimumOrder:    inr(pick(rng, []int64{0, 99, 149, 199, 249})),
		DeliveryFee:     inr(pick(rng, []int64{19, 25, 29, 35, 45})),
	}
	k := 8 + rng.IntN(len(c.dishes)-7)
	chosen := rng.Perm(len(c.dishes))[:k]
	slices.Sort(chosen) // the menu keeps its categories together
	bestsellers := map[int]bool{chosen[rng.IntN(k)]: true, chosen[rng.IntN(k)]: true}
	var menu []store.MenuItemInput
	for _, i := range chosen {
		dish := c.dishes[i]
		tags := slices.Clone(dish.tags)
		if bestsellers[i] && !slices.Contains(tags, "bestseller") {
			tags = append(tags, "bestseller")
		}
		available := rng.IntN(25) != 0 // a few dishes are off today
		menu = append(menu, store.MenuItemInput{
			Name:        dish.name,
			Description: dish.description,
			Category:    dish.category,
			Price:       inr(localPrice(rng, dish.rupees)),
			Available:   &available,
			Tags:        tags,
		})
	}
	if !slices.ContainsFunc(menu, func(m store.MenuItemInput) bool { return *m.Available }) {
		*menu[0].Available = true // a kitchen with nothing to sell takes no orders
	}
	return plannedRestaurant{input: in, menu: menu}
}

// localPrice is a restaurant's price for a dish usually sold at rupees:
// within -10 %..+15 %, ending in 9 as Indian menus do.
func localPrice(rng *rand.Rand, rupees int64) int64 {
	p := rupees * int64(90+rng.IntN(26)) / 100
	if p < 100 {
		return max(20, p/5*5)
	}
	return p/10*10 + 9
}

func inr(rupees int64) store.Money { return store.Money{Amount: rupees * 100, Currency: "INR"} }

// planHours returns a week of opening hours in the style of the kitchen.
// Some kitchens close one day a week; late-night ones run past midnight.
func planHours(rng *rand.Rand, style hoursStyle) []store.OpeningHours {
	var periods [][2]string
	closedOn := -1
	switch style {
	case allDay:
		periods = [][2]string{{pick(rng, []string{"06:30", "07:00", "08:00"}), pick(rng, []string{"22:00", "22:30", "23:00"})}}
	case meals:
		periods = [][2]string{{"12:00", "15:30"}, {"19:00", pick(rng, []string{"22:30", "23:00", "23:30"})}}
		if rng.IntN(3) == 0 {
			closedOn = 1 // Monday
		}
	case lateNight:
		switch rng.IntN(4) {
		case 0:
			periods = [][2]string{{"00:00", "24:00"}} // round the clock
		case 1:
			periods = [][2]string{{"18:00", "03:00"}}
		default:
			periods = [][2]string{{"11:30", pick(rng, []string{"01:00", "02:00"})}}
		}
	case daytime:
		periods = [][2]string{{pick(rng, []string{"08:00", "09:00", "10:00"}), pick(rng, []string{"20:00", "21:00", "21:30"})}}
		if rng.IntN(3) == 0 {
			closedOn = 0 // Sunday
		}
	}
	var hours []store.OpeningHours
	for day := range 7 {
		if day == closedOn {
			continue
		}
		for _, p := range periods {
			hours = append(hours, store.OpeningHours{Weekday: day, Opens: p[0], Closes: p[1]})
		}
	}
	return hours
}

func planCustomer(rng *rand.Rand, i int, areas []area) store.CustomerInput {
	first, last := pick(rng, firstNames()), pick(rng, lastNames())
	emailName := strings.ToLower(first + "." + strings.NewReplacer("'", "", " ", "").Replace(last))
	home := pick(rng, areas)
	addresses := []store.Address{{
		Label: "home",
		Line: fmt.Sprintf("Flat %d%02d, %s, %s, %s, Bengaluru %s", 1+rng.IntN(12), 1+rng.IntN(8),
			pick(rng, homes()), pick(rng, home.streets), home.name, home.pincode),
		Location: near(rng, home.centre, 0.012),
	}}
	if rng.IntN(5) < 2 {
		work := pick(rng, slices.DeleteFunc(slices.Clone(areas), func(a area) bool { return !a.office }))
		addresses = append(addresses, store.Address{
			Label:    "work",
			Line:     fmt.Sprintf("%s, Block %c, %s, %s, Bengaluru %s", pick(rng, offices()), 'A'+rune(rng.IntN(6)), pick(rng, work.streets), work.name, work.pincode),
			Location: near(rng, work.centre, 0.006),
		})
	}
	return store.CustomerInput{
		Name:      first + " " + last,
		Email:     fmt.Sprintf("%s%d@example.com", emailName, i+1),
		Phone:     mobile(i, 1_000_003),
		Addresses: addresses,
	}
}

func planCourier(rng *rand.Rand, i int) store.CourierInput {
	vehicle := store.VehicleMotorbike
	switch n := rng.IntN(100); {
	case n < 25:
		vehicle = store.VehicleScooter
	case n < 37:
		vehicle = store.VehicleBicycle
	case n < 40:
		vehicle = store.VehicleCar
	}
	return store.CourierInput{
		Name:    pick(rng, firstNames()) + " " + pick(rng, lastNames()),
		Phone:   mobile(i, 500_000_003),
		Vehicle: vehicle,
	}
}

// mobile is the i-th Indian mobile number of a series: +91, a leading 9, 8,
// 7 or 6, and nine digits unique within the series.
func mobile(i, series int) string {
	return fmt.Sprintf("+91%d%09d", 9-i%4, (i*phoneStride+series)%1_000_000_000)
}

// orderTargets returns the status each demo order has reached, shuffled:
// most delivered, some rejected or cancelled, a quarter still under way so
// the dashboards have something live.
func orderTargets(rng *rand.Rand, n int) []store.OrderStatus {
	share := func(percent int) int { return n * percent / 100 }
	counts := []struct {
		status store.OrderStatus
		n      int
	}{
		{store.StatusPlaced, share(6)}, {store.StatusAccepted, share(5)}, {store.StatusPreparing, share(5)},
		{store.StatusReady, share(4)}, {store.StatusPickedUp, share(5)},
		{store.StatusRejected, share(5)}, {store.StatusCancelled, share(8)},
	}
	var targets []store.OrderStatus
	for _, c := range counts {
		for range c.n {
			targets = append(targets, c.status)
		}
	}
	for len(targets) < n {
		targets = append(targets, store.StatusDelivered)
	}
	rng.Shuffle(len(targets), func(i, j int) { targets[i], targets[j] = targets[j], targets[i] })
	return targets
}

// planOrder picks a restaurant, a customer it delivers to and dishes worth
// at least its minimum order. It reports false when no customer lives
// within reach of any restaurant.
func (p *plan) planOrder(rng *rand.Rand, target store.OrderStatus) (plannedOrder, bool) {
	start := rng.IntN(len(p.restaurants))
	from := rng.IntN(len(p.customers))
	for r := range p.restaurants {
		ri := (start + r) % len(p.restaurants)
		rest := p.restaurants[ri]
		for c := range p.customers {
			ci := (from + c) % len(p.customers)
			for _, a := range p.customers[ci].Addresses {
				if rest.input.Location.DistanceM(a.Location) > float64(rest.input.DeliveryRadiusM) {
					continue
				}
				po := plannedOrder{restaurant: ri, customer: ci, address: a, courier: -1,
					lines: chooseDishes(rng, rest), steps: stepsTo(rng, target), surge: 10000}
				if rng.IntN(100) < 15 {
					po.surge = pick(rng, []int{12500, 15000})
				}
				if rng.IntN(100) < 20 {
					po.notes = pick(rng, orderNotes())
				}
				if target == store.StatusDelivered && rng.IntN(100) < 55 {
					po.rating = reviewRating(rng)
					po.review = pick(rng, reviewTexts()[po.rating-1])
				}
				return po, true
			}
		}
	}
	return plannedOrder{}, false
}

// chooseDishes picks one to three available dishes, in quantities that
// reach the restaurant's minimum order.
func chooseDishes(rng *rand.Rand, r plannedRestaurant) []plannedLine {
	var available []int
	for i, m := range r.menu {
		if *m.Available {
			available = append(available, i)
		}
	}
	rng.Shuffle(len(available), func(i, j int) { available[i], available[j] = available[j], available[i] })
	lines := []plannedLine{}
	for _, item := range available[:min(len(available), 1+rng.IntN(3))] {
		lines = append(lines, plannedLine{item: item, quantity: 1 + rng.IntN(2)})
	}
	subtotal := func() int64 {
		var s int64
		for _, l := range lines {
			s += r.menu[l.item].Price.Amount * int64(l.quantity)
		}
		return s
	}
	for subtotal() < r.input.MinimumOrder.Amount {
		lines[rng.IntN(len(lines))].quantity++
	}
	return lines
}

// stepsTo returns the moves that bring a placed order to target, each made
// by whom the transition table allows.
func stepsTo(rng *rand.Rand, target store.OrderStatus) []step {
	kitchen := []step{
		{to: store.StatusAccepted, by: store.RoleRestaurant},
		{to: store.StatusPreparing, by: store.RoleRestaurant},
		{to: store.StatusReady, by: store.RoleRestaurant},
		{to: store.StatusPickedUp, by: store.RoleCourier},
		{to: store.StatusDelivered, by: store.RoleCourier},
	}
	switch target {
	case store.StatusRejected:
		return []step{{to: store.StatusRejected, by: store.RoleRestaurant, reason: pick(rng, []string{"kitchen_busy", "out_of_stock", "closed"})}}
	case store.StatusCancelled:
		if rng.IntN(2) == 0 {
			return []step{{to: store.StatusCancelled, by: store.RoleCustomer, reason: "customer_request"}}
		}
		return []step{kitchen[0], {to: store.StatusCancelled, by: store.RoleRestaurant, reason: pick(rng, []string{"out_of_stock", "kitchen_issue"})}}
	}
	for i, s := range kitchen {
		if s.to == target {
			return kitchen[:i+1]
		}
	}
	return nil // placed
}

// assignCouriers gives a courier to every order that reached the kitchen's
// counter. A courier carries one live delivery at a time.
func (p *plan) assignCouriers(rng *rand.Rand) {
	if len(p.couriers) == 0 {
		return
	}
	busy := map[int]bool{}
	for i := range p.orders {
		o := &p.orders[i]
		if !o.reaches(store.StatusReady) {
			continue
		}
		o.courier = rng.IntN(len(p.couriers))
		if o.live() {
			for busy[o.courier] && len(busy) < len(p.couriers) {
				o.courier = rng.IntN(len(p.couriers))
			}
			busy[o.courier] = true
		}
	}
}

// reaches reports whether the order passes through status.
func (o *plannedOrder) reaches(status store.OrderStatus) bool {
	return slices.ContainsFunc(o.steps, func(s step) bool { return s.to == status })
}

// target is the status the order ends in.
func (o *plannedOrder) target() store.OrderStatus {
	if len(o.steps) == 0 {
		return store.StatusPlaced
	}
	return o.steps[len(o.steps)-1].to
}

// live reports whether the order is still under way when the demo starts.
func (o *plannedOrder) live() bool { return !o.target().Terminal() }

// reviewRating draws a rating the way customers give them: mostly 4 and 5.
func reviewRating(rng *rand.Rand) int {
	switch n := rng.IntN(100); {
	case n < 5:
		return 1
	case n < 12:
		return 2
	case n < 25:
		return 3
	case n < 55:
		return 4
	}
	return 5
}

// near returns a point within about spread degrees of centre.
func near(rng *rand.Rand, centre store.Point, spread float64) store.Point {
	return store.Point{
		Lat: round6(centre.Lat + (rng.Float64()*2-1)*spread),
		Lng: round6(centre.Lng + (rng.Float64()*2-1)*spread),
	}
}

func round6(x float64) float64 { return math.Round(x*1e6) / 1e6 }

func pick[T any](rng *rand.Rand, from []T) T { return from[rng.IntN(len(from))] }
