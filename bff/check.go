package bff

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
)

// ErrCredentialsRefused is what the errors of Check and Ready wrap
// (errors.Is) when the planner API refused the BFF's API key and secret.
var ErrCredentialsRefused = errors.New("the planner API refused the API key and secret")

// credentials is what the BFF last learnt of its API key and secret.
type credentials struct {
	refused atomic.Pointer[string] // why, while the last verdict is a refusal
}

func (c *credentials) refuse(why string) { c.refused.Store(&why) }
func (c *credentials) accept()           { c.refused.Store(nil) }

// Check mints one token, the anonymous visitor's (which it leaves in the
// cache, so the first visitor does not wait for it), to learn at start-up
// whether the planner API takes the BFF's API key and secret. In
// partner-signed mode, where minting needs no network, it asks GET
// {APIURL}/v1/me with the token, when APIURL is set.
//
// A refusal is logged at Error with what to fix, makes Ready fail and is
// returned (errors.Is ErrCredentialsRefused); the BFF keeps serving, and a
// later successful mint makes it ready again. A planner API that cannot be
// reached is not the credentials' fault: that is logged at Warn and returned,
// but Ready stays nil. Check waits for the mint (with its retries), so call
// it beside start-up, not before it:
//
//	go tokens.Check(ctx)
func (b *BFF) Check(ctx context.Context) error {
	t, err := b.cache.get(ctx, key{kind: KindLegalEntity})
	if err == nil && b.cfg.Mode == ModePartnerSigned {
		err = b.checkPartner(ctx, t.raw)
	}
	switch {
	case err == nil:
		b.creds.accept()
		b.log.Info("planner API credentials checked: a token was minted", "mode", b.cfg.Mode)
		return nil
	case refusedCredentials(err):
		why := "the planner API refused the API key and secret"
		b.creds.refuse(why)
		b.log.Error(why+": every visitor will be answered 503 upstream_unavailable until they are fixed; "+
			"check PLANNER_API_KEY and PLANNER_API_SECRET (printed by 'planner entity create' or 'planner key rotate') "+
			"and PLANNER_API_URL", "mode", b.cfg.Mode, "api_key", b.cfg.APIKey, "err", err)
		return fmt.Errorf("%w: %v", ErrCredentialsRefused, err)
	case ctx.Err() != nil:
		return ctx.Err()
	}
	b.log.Warn("planner API not reachable at start: the API key and secret are checked again by the first token request", "err", err)
	return err
}

// Ready reports whether the BFF can hand out tokens as far as it knows: an
// error wrapping ErrCredentialsRefused while the last verdict of the planner
// API on its credentials (at Check or at a token request) is a refusal, nil
// otherwise, including while the API is merely unreachable. A host's
// readiness check (/readyz) answers from it.
func (b *BFF) Ready() error {
	if why := b.creds.refused.Load(); why != nil {
		return fmt.Errorf("%w (%s)", ErrCredentialsRefused, *why)
	}
	return nil
}

// refusedCredentials reports whether err is the planner API's answer to a
// wrong API key or secret: 401 or 403 to POST /v1/tokens, or, for a
// partner-signed token, to GET /v1/me.
func refusedCredentials(err error) bool {
	var ue *upstreamError
	return errors.As(err, &ue) && (ue.status == http.StatusUnauthorized || ue.status == http.StatusForbidden)
}

// checkPartner asks the planner API whether it accepts a partner-signed
// token: GET {APIURL}/v1/me. Without APIURL there is nothing to ask.
func (b *BFF) checkPartner(ctx context.Context, raw string) error {
	if b.cfg.APIURL == "" {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, b.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(b.cfg.APIURL, "/")+"/v1/me", nil)
	if err != nil {
		return &upstreamError{reason: upInvalid, msg: "build request: " + err.Error()}
	}
	req.Header.Set("Authorization", "Bearer "+raw)
	resp, err := b.cfg.HTTPClient.Do(req)
	if err != nil {
		return networkError(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, maxResponseBody))
	if resp.StatusCode != http.StatusOK {
		return statusError(resp, body, b.cfg.Clock())
	}
	return nil
}
