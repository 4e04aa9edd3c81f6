package api

import (
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/dabba/dabba/store"
)

// tokenIssuer is the iss claim of every token dabba mints and accepts.
const tokenIssuer = "dabba"

// Tokens mints and verifies dabba's bearer tokens: HS256 JWTs whose subject
// is the ID of the customer, restaurant or courier and whose `role` claim
// says which. The algorithm is pinned, and expiry and issuer are required.
type Tokens struct {
	secret []byte
	now    func() time.Time
}

// MinSecretBytes is the shortest signing secret accepted: HS256 needs at
// least as many bits of key as its output.
const MinSecretBytes = 32

// NewTokens returns Tokens signing with secret. It refuses a short secret.
func NewTokens(secret []byte) (*Tokens, error) {
	if len(secret) < MinSecretBytes {
		return nil, fmt.Errorf("the JWT signing secret must be at least %d bytes, got %d", MinSecretBytes, len(secret))
	}
	return &Tokens{secret: secret, now: time.Now}, nil
}

// Derive returns a 32-byte key for another purpose, derived from the
// signing secret with HMAC-SHA256 under label, so one configured secret can
// key several things without any two sharing a key.
func (t *Tokens) Derive(label string) []byte {
	m := hmac.New(sha256.New, t.secret)
	m.Write([]byte(label))
	return m.Sum(nil)
}

type claims struct {
	Role store.Role `json:"role"`
	jwt.RegisteredClaims
}

// Mint returns a token for p valid for ttl.
func (t *Tokens) Mint(p store.Principal, ttl time.Duration) (string, error) {
	if !p.Role.Valid() {
		return "", fmt.Errorf("mint token: role %q is not one of customer, restaurant, courier, admin", p.Role)
	}
	if p.Role != store.RoleAdmin && p.ID <= 0 {
		return "", fmt.Errorf("mint token: a %s token needs the %s's ID as subject", p.Role, p.Role)
	}
	// Verify refuses a negative subject, so a token carrying one would be
	// refused on its first use.
	if p.ID < 0 {
		return "", fmt.Errorf("mint token: the subject %d is negative", p.ID)
	}
	now := t.now()
	c := claims{Role: p.Role, RegisteredClaims: jwt.RegisteredClaims{
		Issuer:    tokenIssuer,
		Subject:   strconv.FormatInt(p.ID, 10),
		IssuedAt:  jwt.NewNumericDate(now),
		ExpiresAt: jwt.NewNumericDate(now.Add(ttl)),
	}}
	s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(t.secret)
	if err != nil {
		return "", fmt.Errorf("mint token: %w", err)
	}
	return s, nil
}

// Verify returns the principal a token speaks for. Any failure — bad
// signature, other algorithm, expired, wrong issuer, unknown role — is an
// EUNAUTHORIZED error with code "token_invalid" whose message says which.
func (t *Tokens) Verify(token string) (store.Principal, error) {
	p, _, err := t.verify(token)
	return p, err
}

// verify is Verify that also returns when the token expires (its exp
// claim, which it requires).
func (t *Tokens) verify(token string) (store.Principal, time.Time, error) {
	// Go's base64 skips CR and LF even when strict, so a token with one
	// inside its signature would verify as the token without.
	if strings.ContainsAny(token, "\r\n") {
		return store.Principal{}, time.Time{}, store.Errorf(store.EUNAUTHORIZED, "token_invalid", "the token is malformed or not signed by this server")
	}
	var c claims
	_, err := jwt.ParseWithClaims(token, &c, func(*jwt.Token) (any, error) { return t.secret, nil },
		// Lenient base64 ignores the unused low bits of the signature's
		// last character, so three other spellings of every token would
		// verify: strict decoding refuses them.
		jwt.WithStrictDecoding(),
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithExpirationRequired(),
		jwt.WithIssuer(tokenIssuer),
		jwt.WithTimeFunc(t.now),
		jwt.WithLeeway(30*time.Second),
	)
	if err != nil {
		reason := "the token is malformed or not signed by this server"
		if errors.Is(err, jwt.ErrTokenExpired) {
			reason = "the token has expired"
		}
		return store.Principal{}, time.Time{}, store.Errorf(store.EUNAUTHORIZED, "token_invalid", "%s", reason)
	}
	id, err := strconv.ParseInt(c.Subject, 10, 64)
	if err != nil || id < 0 || !c.Role.Valid() || (c.Role != store.RoleAdmin && id == 0) {
		return store.Principal{}, time.Time{}, store.Errorf(store.EUNAUTHORIZED, "token_invalid", "the token's role or subject is not valid")
	}
	return store.Principal{Role: c.Role, ID: id}, c.ExpiresAt.Time, nil
}
