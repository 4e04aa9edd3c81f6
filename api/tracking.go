package api

import (
	"net/http"

	"github.com/go-fuego/fuego"
	"github.com/go-fuego/fuego/option"

	"github.com/dabba/dabba/store"
)

// DeliveryAssignment names the courier to carry an order.
type DeliveryAssignment struct {
	// CourierID is the courier; they must be available (on shift and carrying nothing).
	CourierID int64 `json:"courier_id" validate:"required,gt=0" example:"31"`
}

func (s *Server) trackingRoutes(g *fuego.Server) {
	tag := option.Tags("deliveries")
	fuego.Get(g, "/orders/{id}/tracking", s.getOrderTracking, tag, option.OperationID("getOrderTracking"),
		option.Summary("Track an order"),
		option.Description("The order's live delivery state as its actor holds it: status, courier, the courier's latest position, "+
			"the distance left and the ETA. Its customer, restaurant, assigned courier, or an admin. Subscribe to the websocket "+
			"topic `order:{id}` for the same state as it changes (`courier.location` events, latest-wins)."),
		idPath("Order ID."), problemResponses(http.StatusNotFound))
	fuego.Get(g, "/orders/{id}/delivery", s.getOrderDelivery, tag, option.OperationID("getOrderDelivery"),
		option.Summary("Get an order's delivery"),
		option.Description("Who carries the order and when it was assigned, picked up and delivered. 404 `delivery_not_found` "+
			"until a courier is assigned. Its customer, restaurant, assigned courier, or an admin."),
		idPath("Order ID."), problemResponses(http.StatusNotFound))
	fuego.Put(g, "/orders/{id}/delivery", s.assignCourier, tag, option.OperationID("assignCourier"),
		option.Summary("Assign a courier by hand"),
		option.Description("The order's restaurant or an admin gives the order to an available courier, replacing (and freeing) "+
			"the one assigned before. Accepting an order assigns the nearest free courier by itself; this is for the exceptions. "+
			"409 `courier_unavailable` when the courier is offline or carrying another order, `order_past_pickup` once the order "+
			"is picked up or over."),
		idPath("Order ID."), problemResponses(http.StatusForbidden, http.StatusNotFound, http.StatusConflict))
	fuego.Post(g, "/orders/{id}/delivery/location", s.reportCourierLocation, tag, option.OperationID("reportCourierLocation"),
		option.Summary("Report the courier's position"),
		option.Description("The courier assigned to the order only (403 `not_assigned_courier` for anyone else). The order's actor "+
			"keeps the position, recomputes the ETA (remaining preparation plus the distance left at the courier's speed), "+
			"publishes it on `order:{id}` and answers with the new tracking state. Positions are thinned (25 m or 15 s apart) "+
			"and stored in batches. 409 `order_not_in_delivery` before the order is accepted or once it is over."),
		idPath("Order ID."), problemResponses(http.StatusForbidden, http.StatusNotFound, http.StatusConflict))
}

func (s *Server) getOrderTracking(c fuego.ContextNoBody) (*store.Tracking, error) {
	id, p, err := pathCaller(c)
	if err != nil {
		return nil, err
	}
	return s.deps.Engine.Tracking(c.Context(), id, p)
}

func (s *Server) getOrderDelivery(c fuego.ContextNoBody) (*store.Delivery, error) {
	id, err := pathID(c, "id")
	if err != nil {
		return nil, err
	}
	if _, err := s.visibleOrder(c.Context(), id); err != nil {
		return nil, err
	}
	return s.services.Orders.Delivery(c.Context(), id)
}

func (s *Server) assignCourier(c fuego.ContextWithBody[DeliveryAssignment]) (*store.Delivery, error) {
	id, p, body, err := pathCallerBody(c)
	if err != nil {
		return nil, err
	}
	if _, err := s.deps.Engine.AssignCourier(c.Context(), id, body.CourierID, p); err != nil {
		return nil, err
	}
	return s.services.Orders.Delivery(c.Context(), id)
}

func (s *Server) reportCourierLocation(c fuego.ContextWithBody[store.LocationReport]) (*store.Tracking, error) {
	id, p, body, err := pathCallerBody(c)
	if err != nil {
		return nil, err
	}
	return s.deps.Engine.ReportLocation(c.Context(), id, p, body)
}
