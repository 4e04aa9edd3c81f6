package api

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-fuego/fuego"
	"github.com/go-fuego/fuego/option"

	"github.com/dabba/dabba/store"
)

// OrderView is an order as the API shows it: the order and the realtime
// topic that streams its changes.
type OrderView struct {
	store.Order
	// Topic to subscribe to on /ws for live status, location and ETA.
	Topic string `json:"topic" example:"order:1042"`
}

// OrderList is a page of orders, newest first.
type OrderList store.Page[OrderView]

func viewOrder(o *store.Order) *OrderView { return &OrderView{Order: *o, Topic: o.Topic()} }

func (s *Server) orderRoutes(g *fuego.Server) {
	tag := option.Tags("orders")
	fuego.Get(g, "/orders", s.listOrders, tag, option.OperationID("listOrders"),
		option.Summary("List orders"),
		option.Description("Newest first. Customers see their own orders, restaurants theirs, couriers those assigned to them; "+
			"admins all, optionally filtered by customer_id, restaurant_id and courier_id."),
		option.QueryInt("customer_id", "Admin only: only this customer's orders."),
		option.QueryInt("restaurant_id", "Admin only: only this restaurant's orders."),
		option.QueryInt("courier_id", "Admin only: only orders assigned to this courier."),
		statusFilterOption(), pageOptions())
	fuego.Post(g, "/orders", s.placeOrder, tag, option.OperationID("placeOrder"), created(),
		option.Summary("Place an order"),
		option.Description("Customers only. Prices come from the current menu; the order is refused when an item is unknown, "+
			"unavailable or of another restaurant, the subtotal is under the restaurant's minimum, or the address is outside its "+
			"delivery radius. The restaurant's kitchen may refuse it with 409: `restaurant_closed` (outside its opening hours), "+
			"`restaurant_paused`, `restaurant_at_capacity`, or for a scheduled order (`scheduled_for`, the start of a delivery slot) "+
			"`slot_full` or `slot_invalid`. The delivery fee includes the restaurant's current surge (`GET /restaurants/{id}/pricing`).\n\nSend an `Idempotency-Key` header to make retries safe: a retry with the same key returns the "+
			"first response (with `Idempotent-Replayed: true`) and never creates a second order; the same key with a different body is 422."),
		option.Header("Idempotency-Key", "A unique string per order attempt, up to 255 printable ASCII characters.", fuego.ParamExample("uuid", "5f0c6d1e-8a4b-4c39-9f1e-2b7d3a9c0e11")),
		option.ResponseHeader("Location", "The URL of the order."),
		option.ResponseHeader("Idempotent-Replayed", "true when this answers a retry of an earlier request."),
		problemResponses(http.StatusForbidden, http.StatusNotFound, http.StatusConflict, http.StatusUnprocessableEntity))
	fuego.Get(g, "/orders/{id}", s.getOrder, tag, option.OperationID("getOrder"),
		option.Summary("Get an order"), option.Description("Its customer, restaurant, assigned courier, or an admin; anyone else gets 404."),
		idPath("Order ID."), problemResponses(http.StatusNotFound))
}

// statusFilterOption documents the status filter of order lists.
func statusFilterOption() fuego.RouteOption {
	return option.Query("status", "Only orders in these statuses, comma-separated, e.g. placed,accepted.",
		fuego.ParamExample("active", "placed,accepted,preparing"))
}

// orderFilter reads the status filter and page of an order list.
func orderFilter(c requestContext) (store.OrderFilter, error) {
	page, err := pageRequest(c)
	if err != nil {
		return store.OrderFilter{}, err
	}
	f := store.OrderFilter{Page: page}
	if raw := c.QueryParam("status"); raw != "" {
		for _, st := range strings.Split(raw, ",") {
			status := store.OrderStatus(strings.TrimSpace(st))
			if !status.Valid() {
				return f, badParameter("status", "has unknown status "+strconvQuote(string(status)))
			}
			f.Statuses = append(f.Statuses, status)
		}
	}
	return f, nil
}

func (s *Server) orderList(ctx context.Context, f store.OrderFilter) (OrderList, error) {
	page, err := s.services.Orders.Orders(ctx, f)
	if err != nil {
		return OrderList{}, err
	}
	out := OrderList{Items: make([]OrderView, len(page.Items)), Next: page.Next}
	for i := range page.Items {
		out.Items[i] = *viewOrder(&page.Items[i])
	}
	return out, nil
}

func (s *Server) listOrders(c fuego.ContextNoBody) (OrderList, error) {
	p, err := caller(c.Context())
	if err != nil {
		return OrderList{}, err
	}
	f, err := orderFilter(c)
	if err != nil {
		return OrderList{}, err
	}
	scopes := []struct {
		param string
		dst   *int64
		role  store.Role
	}{{"customer_id", &f.CustomerID, store.RoleCustomer}, {"restaurant_id", &f.RestaurantID, store.RoleRestaurant}, {"courier_id", &f.CourierID, store.RoleCourier}}
	for _, sc := range scopes {
		if raw := c.QueryParam(sc.param); raw != "" {
			if !p.IsAdmin() {
				return OrderList{}, badParameter(sc.param, "is an admin-only filter; your list is already limited to your own orders")
			}
			id, err := strconv.ParseInt(raw, 10, 64)
			if err != nil || id <= 0 {
				return OrderList{}, badParameter(sc.param, "must be a positive integer ID")
			}
			*sc.dst = id
		}
		if p.Role == sc.role {
			*sc.dst = p.ID
		}
	}
	return s.orderList(c.Context(), f)
}

// maxIdempotencyKey bounds the Idempotency-Key header.
const maxIdempotencyKey = 255

func (s *Server) placeOrder(c fuego.ContextWithBody[store.OrderRequest]) (*OrderView, error) {
	p, err := caller(c.Context())
	if err != nil {
		return nil, err
	}
	if p.Role != store.RoleCustomer {
		return nil, store.Errorf(store.EFORBIDDEN, "customers_only", "only a customer token may place an order (this one is %s)", p.Role)
	}
	key := c.Header("Idempotency-Key")
	if len(key) > maxIdempotencyKey || (key != "" && !isPrintableASCII(key)) {
		return nil, badParameter("Idempotency-Key", "must be 1 to 255 printable ASCII characters")
	}
	req, err := validated(c)
	if err != nil {
		return nil, err
	}
	o, replayed, err := s.deps.Engine.PlaceOrder(c.Context(), store.NewOrder{
		CustomerID: p.ID, IdempotencyKey: key, Request: req, At: time.Now().UTC(),
	})
	if err != nil {
		return nil, err
	}
	c.SetHeader("Location", "/orders/"+itoa(o.ID))
	if replayed {
		c.SetHeader("Idempotent-Replayed", "true")
	}
	return viewOrder(o), nil
}

// visibleOrder loads an order the caller may see; others are told it does
// not exist.
func (s *Server) visibleOrder(ctx context.Context, id int64) (*store.Order, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	o, err := s.services.Orders.Order(ctx, id)
	if err != nil {
		return nil, err
	}
	if !o.VisibleTo(p) {
		return nil, store.NotFound("order", id)
	}
	return o, nil
}

func (s *Server) getOrder(c fuego.ContextNoBody) (*OrderView, error) {
	id, err := pathID(c, "id")
	if err != nil {
		return nil, err
	}
	o, err := s.visibleOrder(c.Context(), id)
	if err != nil {
		return nil, err
	}
	return viewOrder(o), nil
}
