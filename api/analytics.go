package api

import (
	"net/http"
	"strconv"

	"github.com/go-fuego/fuego"
	"github.com/go-fuego/fuego/option"

	"github.com/dabba/dabba/store"
)

// errNoAnalytics answers the analytics endpoints of a server built without
// analytics.
var errNoAnalytics = store.Errorf(store.EUNAVAILABLE, "analytics_unavailable", "this server runs without analytics")

func (s *Server) analyticsRoutes(g *fuego.Server) {
	tag := option.Tags("analytics")
	fresh := " Figures are as fresh as the last rollup (every 5 minutes); they are served from the cache first, then the rollup tables."
	fuego.Get(g, "/analytics/popular-items", s.getPopularItems, tag, option.OperationID("getPopularItems"),
		option.Summary("Popular items"),
		option.Description("The dishes ordered most over the last hour, day or week, at one restaurant or across the platform: "+
			"most portions first, at most ten; rejected and cancelled orders do not count. Windows move in 5-minute steps. "+
			"Cached 15 minutes."+fresh+" Any role; a restaurant sees only its own dishes (`restaurant_id` defaults to its own, "+
			"and another restaurant's does not exist for it)."),
		option.QueryInt("restaurant_id", "Only this restaurant's dishes; omitted, the whole platform's.", fuego.ParamExample("Meghana Foods", 12)),
		option.Query("window", "`hour`, `day` or `week`; default `day`.", fuego.ParamExample("a day", "day")),
		problemResponses(http.StatusNotFound, http.StatusServiceUnavailable))
	fuego.Get(g, "/analytics/revenue", s.getRevenue, tag, option.OperationID("getRevenue"),
		option.Summary("Revenue per day"),
		option.Description("Orders, deliveries, cancellations, rejections, gross revenue, item sales, delivery and surge fees and "+
			"average order value per UTC day of placing, with totals; one entry per currency. Only delivered orders bring money "+
			"in. Money is in minor units. Cached 15 minutes, or 12 hours for days before today."+fresh+
			" A restaurant sees its own revenue (`restaurant_id` defaults to its own, another restaurant's does not exist for "+
			"it); an admin any restaurant's or, without `restaurant_id`, the platform's."),
		option.QueryInt("restaurant_id", "The restaurant; omitted, the whole platform (admins).", fuego.ParamExample("Meghana Foods", 12)),
		option.Query("from", "First day, YYYY-MM-DD (UTC); default six days before `to`.", fuego.ParamExample("a day", "2025-05-26")),
		option.Query("to", "Last day, YYYY-MM-DD (UTC); default today. At most 366 days in all.", fuego.ParamExample("a day", "2025-06-01")),
		problemResponses(http.StatusForbidden, http.StatusNotFound, http.StatusServiceUnavailable))
	fuego.Get(g, "/analytics/restaurants/{id}", s.getRestaurantPerformance, tag, option.OperationID("getRestaurantPerformance"),
		option.Summary("Restaurant performance"),
		option.Description("How the kitchen has run over the last 30 days, from its orders' timelines: acceptance rate, mean "+
			"time to accept and to prepare, on-time delivery rate (by the end of the booked slot, or within the delivery "+
			"promise), and its rating. Cached 4 hours and refreshed by every rollup."+fresh+" The restaurant itself or an admin."),
		idPath("Restaurant ID."), problemResponses(http.StatusForbidden, http.StatusNotFound, http.StatusServiceUnavailable))
	fuego.Get(g, "/analytics/customers/{id}/preferences", s.getCustomerPreferences, tag, option.OperationID("getCustomerPreferences"),
		option.Summary("Customer preferences"),
		option.Description("What the customer tends to order, from the orders they got or still await: favourite cuisines and "+
			"dishes, order frequency, average basket per currency. Cached 15 minutes."+fresh+" The customer themself or an admin."),
		idPath("Customer ID."), problemResponses(http.StatusForbidden, http.StatusNotFound, http.StatusServiceUnavailable))
}

// analyticsScope returns the restaurant whose figures the caller asks for
// with `restaurant_id`, 0 for the platform. A restaurant sees only its
// own: the parameter defaults to it, and another restaurant's does not
// exist for it.
func analyticsScope(c requestContext, p store.Principal) (int64, error) {
	var id int64
	if raw := c.QueryParam("restaurant_id"); raw != "" {
		n, err := strconv.ParseInt(raw, 10, 64)
		if err != nil || n <= 0 {
			return 0, badParameter("restaurant_id", "must be a positive integer ID, got "+strconvQuote(raw))
		}
		id = n
	}
	if p.Role != store.RoleRestaurant {
		return id, nil
	}
	if id == 0 {
		return p.ID, nil
	}
	return id, requireSelf(p, store.RoleRestaurant, id, "restaurant")
}

// analytics returns the analytics service once the caller is known.
func (s *Server) analytics(c requestContext) (store.AnalyticsService, store.Principal, error) {
	p, err := caller(c.Context())
	if err != nil {
		return nil, p, err
	}
	if s.deps.Analytics == nil {
		return nil, p, errNoAnalytics
	}
	return s.deps.Analytics, p, nil
}

func (s *Server) getPopularItems(c fuego.ContextNoBody) (store.PopularItems, error) {
	a, p, err := s.analytics(c)
	if err != nil {
		return store.PopularItems{}, err
	}
	window := store.WindowDay
	if raw := c.QueryParam("window"); raw != "" {
		if window, err = store.ParseAnalyticsWindow(raw); err != nil {
			return store.PopularItems{}, badParameter("window", "must be hour, day or week")
		}
	}
	id, err := analyticsScope(c, p)
	if err != nil {
		return store.PopularItems{}, err
	}
	t, err := a.Trending(c.Context(), id)
	if err != nil {
		return store.PopularItems{}, err
	}
	return t.Window(window), nil
}

func (s *Server) getRevenue(c fuego.ContextNoBody) (*store.RevenueReport, error) {
	a, p, err := s.analytics(c)
	if err != nil {
		return nil, err
	}
	if err := requireRole(p, store.RoleRestaurant); err != nil {
		return nil, err
	}
	id, err := analyticsScope(c, p)
	if err != nil {
		return nil, err
	}
	return a.Revenue(c.Context(), store.RevenueFilter{RestaurantID: id, From: c.QueryParam("from"), To: c.QueryParam("to")})
}

func (s *Server) getRestaurantPerformance(c fuego.ContextNoBody) (*store.RestaurantPerformance, error) {
	a, _, err := s.analytics(c)
	if err != nil {
		return nil, err
	}
	id, err := pathSelf(c, store.RoleRestaurant, "restaurant")
	if err != nil {
		return nil, err
	}
	return a.RestaurantPerformance(c.Context(), id)
}

func (s *Server) getCustomerPreferences(c fuego.ContextNoBody) (*store.CustomerPreferences, error) {
	a, _, err := s.analytics(c)
	if err != nil {
		return nil, err
	}
	id, err := pathSelf(c, store.RoleCustomer, "customer")
	if err != nil {
		return nil, err
	}
	return a.CustomerPreferences(c.Context(), id)
}
