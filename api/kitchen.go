package api

import (
	"net/http"
	"time"

	"github.com/go-fuego/fuego"
	"github.com/go-fuego/fuego/option"

	"github.com/dabba/dabba/store"
)

func (s *Server) kitchenRoutes(g *fuego.Server) {
	tag := option.Tags("kitchens")
	fuego.Get(g, "/restaurants/{id}/capacity", s.getRestaurantCapacity, tag, option.OperationID("getRestaurantCapacity"),
		option.Summary("Get a kitchen's capacity"),
		option.Description("How many orders the kitchen holds (placed, accepted or preparing) against its limit, its preparation "+
			"time and busy mode, and its delivery-slot cap, as the restaurant's actor holds them. The restaurant itself or an admin. "+
			"Changes are published on the websocket topic `restaurant:{id}` (`restaurant.capacity`)."),
		idPath("Restaurant ID."), problemResponses(http.StatusForbidden, http.StatusNotFound))
	fuego.Put(g, "/restaurants/{id}/capacity", s.setRestaurantCapacity, tag, option.OperationID("setRestaurantCapacity"),
		option.Summary("Set a kitchen's capacity"),
		option.Description("Replaces the kitchen's limits. Busy mode adds `busy_extra_minutes` to the preparation of every new order. "+
			"A new order beyond `max_active_orders` is refused with 409 `restaurant_at_capacity`; lowering the limit refuses new "+
			"orders until enough leave the kitchen. The restaurant itself or an admin."),
		idPath("Restaurant ID."), problemResponses(http.StatusForbidden, http.StatusNotFound))
	fuego.Get(g, "/restaurants/{id}/availability", s.getRestaurantAvailability, tag, option.OperationID("getRestaurantAvailability"),
		option.Summary("Is the restaurant taking orders?"),
		option.Description("Whether an order placed now would be taken — open by its hours, not paused, not at capacity — and why "+
			"not. Any role."),
		idPath("Restaurant ID."), problemResponses(http.StatusNotFound))
	fuego.Put(g, "/restaurants/{id}/availability", s.setRestaurantAvailability, tag, option.OperationID("setRestaurantAvailability"),
		option.Summary("Pause or resume a kitchen"),
		option.Description("`paused_until` pauses the kitchen until then (at most 7 days ahead): new orders are refused with 409 "+
			"`restaurant_paused`, scheduled ones only for slots inside the pause. Without it the kitchen resumes now. "+
			"The restaurant itself or an admin. Published on `restaurant:{id}` (`restaurant.availability`)."),
		idPath("Restaurant ID."), problemResponses(http.StatusForbidden, http.StatusNotFound))
	fuego.Get(g, "/restaurants/{id}/delivery-slots", s.listDeliverySlots, tag, option.OperationID("listDeliverySlots"),
		option.Summary("List delivery slots"),
		option.Description("The 15-minute windows of one day, within the restaurant's opening hours, in which a scheduled order can be "+
			"delivered, with their room. Book one by placing an order with `scheduled_for` set to its `start`: a full window is "+
			"refused with 409 `slot_full`, a start that is not a bookable window with 409 `slot_invalid`. Any role."),
		idPath("Restaurant ID."),
		option.Query("date", "The day, YYYY-MM-DD in the restaurant's time zone; default today. Up to 7 days ahead.",
			fuego.ParamExample("a day", "2025-06-01")),
		problemResponses(http.StatusNotFound))
	fuego.Get(g, "/restaurants/{id}/pricing", s.getRestaurantPricing, tag, option.OperationID("getRestaurantPricing"),
		option.Summary("Get the delivery fee now (surge pricing)"),
		option.Description("The delivery fee a new order pays now, itemised: the restaurant's base fee and the surge added when "+
			"recent demand outruns the free couriers near it. A quote holds for 2 minutes (`valid_until`); an order placed "+
			"meanwhile pays it and records it. Any role."),
		idPath("Restaurant ID."), problemResponses(http.StatusNotFound))
}

func (s *Server) getRestaurantCapacity(c fuego.ContextNoBody) (*store.KitchenCapacity, error) {
	id, err := pathSelf(c, store.RoleRestaurant, "restaurant")
	if err != nil {
		return nil, err
	}
	return s.deps.Engine.Capacity(c.Context(), id)
}

func (s *Server) setRestaurantCapacity(c fuego.ContextWithBody[store.CapacitySettings]) (*store.KitchenCapacity, error) {
	id, body, err := selfBody(c, store.RoleRestaurant, "restaurant")
	if err != nil {
		return nil, err
	}
	return s.deps.Engine.SetCapacity(c.Context(), id, body)
}

func (s *Server) getRestaurantAvailability(c fuego.ContextNoBody) (*store.Availability, error) {
	id, err := pathID(c, "id")
	if err != nil {
		return nil, err
	}
	return s.deps.Engine.Availability(c.Context(), id)
}

func (s *Server) setRestaurantAvailability(c fuego.ContextWithBody[store.AvailabilityChange]) (*store.Availability, error) {
	id, body, err := selfBody(c, store.RoleRestaurant, "restaurant")
	if err != nil {
		return nil, err
	}
	return s.deps.Engine.SetAvailability(c.Context(), id, body)
}

func (s *Server) listDeliverySlots(c fuego.ContextNoBody) (*store.DeliverySlots, error) {
	id, err := pathID(c, "id")
	if err != nil {
		return nil, err
	}
	day := c.QueryParam("date")
	if day != "" {
		if _, err := time.Parse(time.DateOnly, day); err != nil {
			return nil, badParameter("date", "must be a date YYYY-MM-DD")
		}
	}
	return s.deps.Engine.DeliverySlots(c.Context(), id, day)
}

func (s *Server) getRestaurantPricing(c fuego.ContextNoBody) (*store.Pricing, error) {
	id, err := pathID(c, "id")
	if err != nil {
		return nil, err
	}
	return s.deps.Engine.Pricing(c.Context(), id)
}
