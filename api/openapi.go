package api

//go:generate go run ./internal/gendocs ../store ../store/cache ../jobs .

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/go-fuego/fuego"

	"github.com/dabba/dabba/store"
)

// typeExtension marks an inline schema with the Go type it was made from,
// so hoistSchemas can turn it into a named component.
const typeExtension = "x-go-type"

// describeSchema is the generator's schema customizer. For every struct of
// dabba it records the type name, takes the description of the schema and
// of each property from the Go doc comments (schemaDocs) and marks fields
// without omitempty as required, so generated clients get plain values
// rather than pointers for fields that are always present.
func describeSchema(docs map[string]string) func(string, reflect.Type, reflect.StructTag, *openapi3.Schema) error {
	return func(_ string, t reflect.Type, _ reflect.StructTag, schema *openapi3.Schema) error {
		listExample(schema)
		if t.Kind() != reflect.Struct || !strings.HasPrefix(t.PkgPath(), "github.com/dabba/dabba/") || t.Name() == "" {
			return nil
		}
		key := t.PkgPath()[strings.LastIndex(t.PkgPath(), "/")+1:] + "." + t.Name()
		if schema.Extensions == nil {
			schema.Extensions = map[string]any{}
		}
		schema.Extensions[typeExtension] = schemaName(t)
		if d := docs[key]; d != "" {
			schema.Description = d
		}
		fieldKey := key
		if alias, ok := docs["alias:"+key]; ok {
			fieldKey = alias
		}
		describeFields(t, fieldKey, docs, schema)
		return nil
	}
}

// listExample reads the `example` tag of a list field as comma-separated
// items (`example:"restaurants,static"`): fuego copies the tag as one
// string, which is not a valid example of an array. Each item's example
// becomes the first item.
func listExample(schema *openapi3.Schema) {
	ex, ok := schema.Example.(string)
	if !ok || !schema.Type.Is(openapi3.TypeArray) {
		return
	}
	items := strings.Split(ex, ",")
	list := make([]any, len(items))
	for i, it := range items {
		list[i] = it
	}
	schema.Example = list
	if schema.Items != nil && schema.Items.Value != nil {
		schema.Items.Value.Example = items[0]
	}
}

// describeFields documents and marks required the properties of struct t,
// descending into embedded structs whose fields JSON flattens.
func describeFields(t reflect.Type, key string, docs map[string]string, schema *openapi3.Schema) {
	for i := range t.NumField() {
		f := t.Field(i)
		name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
		if f.Anonymous && name == "" {
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			describeFields(ft, ft.PkgPath()[strings.LastIndex(ft.PkgPath(), "/")+1:]+"."+ft.Name(), docs, schema)
			continue
		}
		if name == "" || name == "-" || !f.IsExported() {
			continue
		}
		prop := schema.Properties[name]
		if prop == nil || prop.Value == nil {
			continue
		}
		// A named struct becomes a shared component (hoistSchemas) that
		// keeps its type's description, not one field's.
		ft := f.Type
		for ft.Kind() == reflect.Pointer || ft.Kind() == reflect.Slice {
			ft = ft.Elem()
		}
		named := ft.Kind() == reflect.Struct && strings.HasPrefix(ft.PkgPath(), "github.com/dabba/dabba/") && ft.Name() != ""
		if d := docs[key+"."+f.Name]; d != "" && !named {
			prop.Value.Description = d
		}
		if values, ok := enumValues()[ft]; ok {
			prop.Value.Enum = values
		}
		if !strings.Contains(opts, "omitempty") && f.Type.Kind() != reflect.Pointer && !slices.Contains(schema.Required, name) {
			schema.Required = append(schema.Required, name)
		}
	}
	sort.Strings(schema.Required)
}

// enumValues lists the values of the domain's enumerated string types, so
// the description (and generated clients) know them.
func enumValues() map[reflect.Type][]any {
	values := func(vs ...string) []any {
		out := make([]any, len(vs))
		for i, v := range vs {
			out[i] = v
		}
		return out
	}
	statuses := make([]string, 0, 8)
	for _, st := range store.OrderStatuses() {
		statuses = append(statuses, string(st))
	}
	return map[reflect.Type][]any{
		reflect.TypeFor[store.OrderStatus]():   values(statuses...),
		reflect.TypeFor[store.Vehicle]():       values(string(store.VehicleBicycle), string(store.VehicleScooter), string(store.VehicleMotorbike), string(store.VehicleCar)),
		reflect.TypeFor[store.CourierStatus](): values(string(store.CourierOffline), string(store.CourierAvailable), string(store.CourierBusy)),
		reflect.TypeFor[store.ReviewStatus]():  values(string(store.ReviewPublished), string(store.ReviewRejected)),
		reflect.TypeFor[store.Role]():          values(string(store.RoleCustomer), string(store.RoleRestaurant), string(store.RoleCourier), string(store.RoleAdmin)),
	}
}

// schemaName is the component name of a Go type: its name without type
// arguments.
func schemaName(t reflect.Type) string {
	name, _, _ := strings.Cut(t.Name(), "[")
	return name
}

// polishSpec fixes what fuego's generated description gets wrong or leaves
// out. It runs once, when the server is built.
func polishSpec(spec *openapi3.T) {
	hoistSchemas(spec, schemaDocs())
	for _, item := range spec.Paths.Map() {
		for _, op := range item.Operations() {
			op.Parameters = slices.DeleteFunc(op.Parameters, func(p *openapi3.ParameterRef) bool {
				// fuego adds Accept to every operation; dabba always answers JSON.
				return p.Value != nil && p.Value.In == "header" && p.Value.Name == "Accept"
			})
			typeNumberParams(op, "lat", "lng")
			typeIDParams(op)
			moveHeadersToSuccess(op)
			dropEmptyResponses(op)
		}
	}
}

// typeNumberParams declares the named query parameters as numbers: fuego
// can only declare string, integer and boolean ones.
func typeNumberParams(op *openapi3.Operation, names ...string) {
	for _, p := range op.Parameters {
		if p.Value == nil || p.Value.In != "query" || !slices.Contains(names, p.Value.Name) || p.Value.Schema == nil {
			continue
		}
		p.Value.Schema.Value.Type = &openapi3.Types{openapi3.TypeNumber}
		p.Value.Schema.Value.Format = "double"
		for _, ex := range p.Value.Examples {
			if f, err := strconv.ParseFloat(fmt.Sprint(ex.Value.Value), 64); err == nil {
				ex.Value.Value = f
			}
		}
	}
}

// typeIDParams declares integer ID parameters (id, customer_id, …) as
// int64, which IDs are.
func typeIDParams(op *openapi3.Operation) {
	for _, p := range op.Parameters {
		if p.Value == nil || p.Value.Schema == nil || !p.Value.Schema.Value.Type.Is(openapi3.TypeInteger) {
			continue
		}
		if p.Value.Name == "id" || strings.HasSuffix(p.Value.Name, "_id") {
			p.Value.Schema.Value.Format = "int64"
		}
	}
}

// moveHeadersToSuccess attaches response headers fuego put on a bodiless
// "200" to the operation's real success response (201, 204).
func moveHeadersToSuccess(op *openapi3.Operation) {
	ok := op.Responses.Value("200")
	if ok == nil || ok.Value == nil || ok.Value.Content != nil {
		return
	}
	for _, code := range []string{"201", "204"} {
		if r := op.Responses.Value(code); r != nil && r.Value != nil {
			if r.Value.Headers == nil {
				r.Value.Headers = openapi3.Headers{}
			}
			for k, v := range ok.Value.Headers {
				r.Value.Headers[k] = v
			}
			op.Responses.Delete("200")
			return
		}
	}
}

// dropEmptyResponses removes the body fuego documents for handlers that
// answer without one (204), and its empty "default" response.
func dropEmptyResponses(op *openapi3.Operation) {
	for code, r := range op.Responses.Map() {
		if r.Value == nil {
			continue
		}
		if code == "default" && r.Value.Description != nil && *r.Value.Description == "" {
			op.Responses.Delete(code)
			continue
		}
		for _, mt := range r.Value.Content {
			if mt.Schema != nil && mt.Schema.Ref == "#/components/schemas/unknown-interface" {
				r.Value.Content = nil
				break
			}
		}
	}
}

// hoistSchemas turns every inline schema made from a named dabba type into
// a reference to a component of that name, so generated clients get one
// Money type rather than a dozen anonymous structs.
func hoistSchemas(spec *openapi3.T, docs map[string]string) {
	comps := spec.Components.Schemas
	var visit func(ref *openapi3.SchemaRef, top bool)
	seen := map[*openapi3.Schema]bool{}
	visit = func(ref *openapi3.SchemaRef, top bool) {
		if ref == nil || ref.Value == nil {
			return
		}
		s := ref.Value
		if name, ok := s.Extensions[typeExtension].(string); ok && !top && ref.Ref == "" {
			if _, exists := comps[name]; !exists {
				comps[name] = &openapi3.SchemaRef{Value: s}
				visit(comps[name], true)
			}
			ref.Ref = "#/components/schemas/" + name
			return
		}
		if seen[s] {
			return
		}
		seen[s] = true
		for _, p := range s.Properties {
			visit(p, false)
		}
		visit(s.Items, false)
	}
	names := make([]string, 0, len(comps))
	for n := range comps {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		visit(comps[n], true)
	}
	for _, item := range spec.Paths.Map() {
		for _, op := range item.Operations() {
			if op.RequestBody != nil && op.RequestBody.Value != nil {
				for _, mt := range op.RequestBody.Value.Content {
					visit(mt.Schema, false)
				}
			}
			for _, r := range op.Responses.Map() {
				if r.Value != nil {
					for _, mt := range r.Value.Content {
						visit(mt.Schema, false)
					}
				}
			}
		}
	}
	for name, c := range comps {
		delete(c.Value.Extensions, typeExtension)
		// fuego describes top-level schemas as "<Name> schema".
		if c.Value.Description == name+" schema" {
			c.Value.Description = docs["api."+name] + docs["store."+name] + docs["cache."+name]
		}
	}
	delete(comps, "unknown-interface")
	delete(comps, "HTTPError")
}

// marshalSpec renders the description deterministically.
func marshalSpec(spec *openapi3.T) ([]byte, error) {
	b, err := json.MarshalIndent(spec, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("marshal OpenAPI description: %w", err)
	}
	return append(b, '\n'), nil
}

// withSchemaDocs is the fuego option installing describeSchema.
func withSchemaDocs() fuego.EngineOption {
	return fuego.WithOpenAPIGeneratorSchemaCustomizer(describeSchema(schemaDocs()))
}
