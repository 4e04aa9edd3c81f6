package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/go-fuego/fuego"
	"github.com/go-fuego/fuego/option"

	"github.com/dabba/dabba/store"
)

// RestaurantList is a page of restaurants.
type RestaurantList store.Page[store.RestaurantListing]

func (s *Server) restaurantRoutes(g *fuego.Server) {
	tag := option.Tags("restaurants")
	fuego.Get(g, "/restaurants", s.listRestaurants, tag, option.OperationID("listRestaurants"), catalogue(),
		option.Summary("List restaurants"),
		option.Description("Restaurants by ID, or by distance when `lat` and `lng` are given. Any role."),
		option.Query("cuisine", "Only this cuisine (case-insensitive).", fuego.ParamExample("biryani", "biryani")),
		option.QueryBool("open_now", "Only restaurants taking orders right now."),
		option.Query("lat", "Latitude of the point to search near (with `lng`).", fuego.ParamExample("Bengaluru", "12.9716")),
		option.Query("lng", "Longitude of the point to search near (with `lat`).", fuego.ParamExample("Bengaluru", "77.5946")),
		option.QueryInt("radius_m", "Search radius in metres; omitted means restaurants that deliver to the point."),
		pageOptions())
	fuego.Post(g, "/restaurants", s.createRestaurant, tag, option.OperationID("createRestaurant"), created(),
		option.Summary("Add a restaurant"), option.Description("Admin only."),
		problemResponses(http.StatusForbidden))
	fuego.Get(g, "/restaurants/{id}", s.getRestaurant, tag, option.OperationID("getRestaurant"), catalogue(),
		option.Summary("Get a restaurant"), option.Description("Any role."),
		idPath("Restaurant ID."), problemResponses(http.StatusNotFound))
	fuego.Patch(g, "/restaurants/{id}", s.updateRestaurant, tag, option.OperationID("updateRestaurant"),
		option.Summary("Change a restaurant"), option.Description("The restaurant itself or an admin. Absent fields stay as they are."),
		idPath("Restaurant ID."), problemResponses(http.StatusForbidden, http.StatusNotFound))
	fuego.Delete(g, "/restaurants/{id}", s.deleteRestaurant, tag, option.OperationID("deleteRestaurant"),
		option.DefaultStatusCode(http.StatusNoContent),
		option.Summary("Take a restaurant off the platform"),
		option.Description("Admin only. The restaurant disappears from lists and takes no orders; its past orders remain."),
		idPath("Restaurant ID."), problemResponses(http.StatusForbidden, http.StatusNotFound))
}

func (s *Server) listRestaurants(c fuego.ContextNoBody) (RestaurantList, error) {
	page, err := pageRequest(c)
	if err != nil {
		return RestaurantList{}, err
	}
	f := store.RestaurantFilter{Cuisine: c.QueryParam("cuisine"), Page: page}
	if raw := c.QueryParam("open_now"); raw != "" {
		open, err := strconv.ParseBool(raw)
		if err != nil {
			return RestaurantList{}, badParameter("open_now", "must be true or false")
		}
		if open {
			now := time.Now().UTC()
			f.OpenAt = &now
		}
	}
	lat, lng := c.QueryParam("lat"), c.QueryParam("lng")
	if (lat == "") != (lng == "") {
		return RestaurantList{}, badParameter("lat", "and lng must be given together")
	}
	if lat != "" {
		p := store.Point{}
		if p.Lat, err = strconv.ParseFloat(lat, 64); err != nil {
			return RestaurantList{}, badParameter("lat", "must be a number")
		}
		if p.Lng, err = strconv.ParseFloat(lng, 64); err != nil {
			return RestaurantList{}, badParameter("lng", "must be a number")
		}
		if !p.Valid() {
			return RestaurantList{}, badParameter("lat", "and lng must lie in -90..90 and -180..180")
		}
		f.Near = &p
	}
	if raw := c.QueryParam("radius_m"); raw != "" {
		if f.Near == nil {
			return RestaurantList{}, badParameter("radius_m", "needs lat and lng")
		}
		r, err := strconv.Atoi(raw)
		if err != nil || r < 1 || r > 100000 {
			return RestaurantList{}, badParameter("radius_m", "must be an integer between 1 and 100000")
		}
		f.RadiusM = r
	}
	list, err := s.services.Restaurants.Restaurants(c.Context(), f)
	return RestaurantList(list), err
}

func (s *Server) createRestaurant(c fuego.ContextWithBody[store.RestaurantInput]) (*store.Restaurant, error) {
	in, err := adminBody(c)
	if err != nil {
		return nil, err
	}
	return s.services.Restaurants.CreateRestaurant(c.Context(), in)
}

func (s *Server) getRestaurant(c fuego.ContextNoBody) (*store.Restaurant, error) {
	id, err := pathID(c, "id")
	if err != nil {
		return nil, err
	}
	return s.services.Restaurants.Restaurant(c.Context(), id)
}

func (s *Server) updateRestaurant(c fuego.ContextWithBody[store.RestaurantPatch]) (*store.Restaurant, error) {
	id, patch, err := selfBody(c, store.RoleRestaurant, "restaurant")
	if err != nil {
		return nil, err
	}
	return s.services.Restaurants.UpdateRestaurant(c.Context(), id, patch)
}

func (s *Server) deleteRestaurant(c fuego.ContextNoBody) (any, error) {
	id, err := pathID(c, "id")
	if err != nil {
		return nil, err
	}
	if err := callerIsAdmin(c.Context()); err != nil {
		return nil, err
	}
	return nil, s.services.Restaurants.DeleteRestaurant(c.Context(), id)
}

// idPath documents an integer path parameter named id.
func idPath(description string) fuego.RouteOption {
	return option.Path("id", description, fuego.ParamInteger())
}
