package postgres_test

import (
	"reflect"
	"testing"

	"github.com/dabba/dabba/store"
)

func TestCreateCustomer_RoundTripsEveryField(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	created := f.customer()
	got, err := f.Customers.Customer(f.ctx, created.ID)
	if err != nil {
		t.Fatalf("Customer: %v", err)
	}
	if !reflect.DeepEqual(got, created) {
		t.Errorf("read back %+v, want %+v", got, created)
	}
	if !reflect.DeepEqual(got.Addresses, []store.Address{home}) {
		t.Errorf("addresses = %+v, want [%+v]", got.Addresses, home)
	}
}

func TestCreateCustomer_EmailIsUniqueIgnoringCase(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c := f.customer()
	in := store.CustomerInput{Name: "Twin", Email: "CUSTOMER1@Example.com", Phone: "+919812345678"}
	if c.Email != "customer1@example.com" {
		t.Fatalf("fixture email = %q, the test assumes customer1@example.com", c.Email)
	}
	_, err := f.Customers.CreateCustomer(f.ctx, in)
	wantKind(t, err, store.ECONFLICT, "email_taken")

	other := f.customer()
	_, err = f.Customers.UpdateCustomer(f.ctx, other.ID, store.CustomerPatch{Email: &in.Email})
	wantKind(t, err, store.ECONFLICT, "email_taken")
}

func TestCreateCustomer_InvalidInputIsRefused(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	_, err := f.Customers.CreateCustomer(f.ctx, store.CustomerInput{Name: "N", Email: "not-an-email", Phone: "+919812345678"})
	wantKind(t, err, store.EINVALID, "validation")
}

func TestUpdateCustomer_AppliesThePatch(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c := f.customer()
	name, addresses := "Asha Rao", []store.Address{home, faraway}
	got, err := f.Customers.UpdateCustomer(f.ctx, c.ID, store.CustomerPatch{Name: &name, Addresses: &addresses})
	if err != nil {
		t.Fatalf("UpdateCustomer: %v", err)
	}
	if got.Name != name || !reflect.DeepEqual(got.Addresses, addresses) || got.Email != c.Email {
		t.Errorf("updated = %+v", got)
	}
	_, err = f.Customers.UpdateCustomer(f.ctx, c.ID+1000, store.CustomerPatch{Name: &name})
	wantKind(t, err, store.ENOTFOUND, "customer_not_found")
}

func TestDeleteCustomer_ErasesPersonalDataAndFreesTheEmail(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c := f.customer()
	r := f.restaurant()
	past := f.place(c.ID, request(r, store.OrderLine{MenuItemID: f.menuItem(r.ID, 20000).ID, Quantity: 1}))
	if err := f.Customers.DeleteCustomer(f.ctx, c.ID); err != nil {
		t.Fatalf("DeleteCustomer: %v", err)
	}
	_, err := f.Customers.Customer(f.ctx, c.ID)
	wantKind(t, err, store.ENOTFOUND, "customer_not_found")
	wantKind(t, f.Customers.DeleteCustomer(f.ctx, c.ID), store.ENOTFOUND, "customer_not_found")
	_, err = f.Customers.UpdateCustomer(f.ctx, c.ID, store.CustomerPatch{})
	wantKind(t, err, store.ENOTFOUND, "customer_not_found")

	var (
		name           string
		email, phone   *string
		addresses      string
		deletedAtIsSet bool
	)
	err = f.db.Pool().QueryRow(f.ctx, `SELECT name, email, phone, addresses::text, deleted_at IS NOT NULL FROM customers WHERE id = $1`, c.ID).
		Scan(&name, &email, &phone, &addresses, &deletedAtIsSet)
	if err != nil {
		t.Fatal(err)
	}
	if name != "Deleted customer" || email != nil || phone != nil || addresses != "[]" || !deletedAtIsSet {
		t.Errorf("erased row = %q %v %v %s deleted=%v, want no personal data left", name, email, phone, addresses, deletedAtIsSet)
	}

	if o, err := f.Orders.Order(f.ctx, past.ID); err != nil || o.CustomerID != c.ID {
		t.Errorf("past order = %+v (err %v), want it kept for the restaurant's books", o, err)
	}

	again, err := f.Customers.CreateCustomer(f.ctx, store.CustomerInput{Name: "New", Email: c.Email, Phone: c.Phone})
	if err != nil {
		t.Fatalf("a new account with the erased customer's email: %v", err)
	}
	if again.ID == c.ID {
		t.Errorf("the new account reused ID %d", c.ID)
	}
	page, err := f.Customers.Customers(f.ctx, store.PageRequest{})
	if err != nil || len(page.Items) != 1 || page.Items[0].ID != again.ID {
		t.Errorf("list = %+v (err %v), want only the new account", page.Items, err)
	}
}

func TestCustomers_PagesByID(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	var want []int64
	for range 5 {
		want = append(want, f.customer().ID)
	}
	var got []int64
	req := store.PageRequest{Limit: 2}
	for {
		page, err := f.Customers.Customers(f.ctx, req)
		if err != nil {
			t.Fatalf("Customers: %v", err)
		}
		for _, c := range page.Items {
			got = append(got, c.ID)
		}
		if page.Next == "" {
			break
		}
		req.Cursor = page.Next
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("pages = %v, want %v", got, want)
	}
}
