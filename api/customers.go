package api

import (
	"net/http"

	"github.com/go-fuego/fuego"
	"github.com/go-fuego/fuego/option"

	"github.com/dabba/dabba/store"
)

// CustomerList is a page of customers.
type CustomerList store.Page[store.Customer]

func (s *Server) customerRoutes(g *fuego.Server) {
	tag := option.Tags("customers")
	fuego.Get(g, "/customers", s.listCustomers, tag, option.OperationID("listCustomers"),
		option.Summary("List customers"), option.Description("Admin only."),
		pageOptions(), problemResponses(http.StatusForbidden))
	fuego.Post(g, "/customers", s.createCustomer, tag, option.OperationID("createCustomer"), created(),
		option.Summary("Open a customer account"), option.Description("Admin only. Emails are unique (case-insensitive): a taken one is 409."),
		problemResponses(http.StatusForbidden, http.StatusConflict))
	fuego.Get(g, "/customers/{id}", s.getCustomer, tag, option.OperationID("getCustomer"),
		option.Summary("Get a customer"), option.Description("The customer themself or an admin."),
		idPath("Customer ID."), problemResponses(http.StatusForbidden, http.StatusNotFound))
	fuego.Patch(g, "/customers/{id}", s.updateCustomer, tag, option.OperationID("updateCustomer"),
		option.Summary("Change a customer"), option.Description("The customer themself or an admin. Absent fields stay as they are."),
		idPath("Customer ID."), problemResponses(http.StatusForbidden, http.StatusNotFound, http.StatusConflict))
	fuego.Delete(g, "/customers/{id}", s.deleteCustomer, tag, option.OperationID("deleteCustomer"),
		option.DefaultStatusCode(http.StatusNoContent),
		option.Summary("Close a customer account"), option.Description("The customer themself or an admin. Personal data is erased; past orders remain."),
		idPath("Customer ID."), problemResponses(http.StatusForbidden, http.StatusNotFound))
	fuego.Get(g, "/customers/{id}/orders", s.listCustomerOrders, tag, option.OperationID("listCustomerOrders"),
		option.Summary("A customer's order history"), option.Description("The customer themself or an admin. Newest first."),
		idPath("Customer ID."), statusFilterOption(), pageOptions(), problemResponses(http.StatusForbidden, http.StatusNotFound))
}

func (s *Server) listCustomers(c fuego.ContextNoBody) (CustomerList, error) {
	page, err := adminPage(c)
	if err != nil {
		return CustomerList{}, err
	}
	list, err := s.services.Customers.Customers(c.Context(), page)
	return CustomerList(list), err
}

func (s *Server) createCustomer(c fuego.ContextWithBody[store.CustomerInput]) (*store.Customer, error) {
	in, err := adminBody(c)
	if err != nil {
		return nil, err
	}
	return s.services.Customers.CreateCustomer(c.Context(), in)
}

func (s *Server) getCustomer(c fuego.ContextNoBody) (*store.Customer, error) {
	id, err := pathSelf(c, store.RoleCustomer, "customer")
	if err != nil {
		return nil, err
	}
	return s.services.Customers.Customer(c.Context(), id)
}

func (s *Server) updateCustomer(c fuego.ContextWithBody[store.CustomerPatch]) (*store.Customer, error) {
	id, patch, err := selfBody(c, store.RoleCustomer, "customer")
	if err != nil {
		return nil, err
	}
	return s.services.Customers.UpdateCustomer(c.Context(), id, patch)
}

func (s *Server) deleteCustomer(c fuego.ContextNoBody) (any, error) {
	id, err := pathSelf(c, store.RoleCustomer, "customer")
	if err != nil {
		return nil, err
	}
	return nil, s.services.Customers.DeleteCustomer(c.Context(), id)
}

func (s *Server) listCustomerOrders(c fuego.ContextNoBody) (OrderList, error) {
	id, err := pathSelf(c, store.RoleCustomer, "customer")
	if err != nil {
		return OrderList{}, err
	}
	if _, err := s.services.Customers.Customer(c.Context(), id); err != nil {
		return OrderList{}, err
	}
	f, err := orderFilter(c)
	if err != nil {
		return OrderList{}, err
	}
	f.CustomerID = id
	return s.orderList(c.Context(), f)
}
