package gateway

import (
	"context"
	"errors"
	"fmt"
)

// DevKey is a local network's well-known development key: printed, never
// secret, accepted only by gateways that StartLocal imports it into.
const DevKey = "gt-localnet-development-key-not-secret"

// Local is a gateway as a local network runs it: its own key database
// holding the development key, listening on Config.ListenAddr.
type Local struct {
	*Gateway
	keys *Keys
	key  string
}

// StartLocal starts a gateway for a local network: cfg as for New, without
// Keys, which StartLocal opens at dbPath (":memory:" keeps none) with
// DevKey imported as the key "localnet", unlimited.
func StartLocal(cfg Config, dbPath string) (*Local, error) {
	if cfg.Keys != nil {
		return nil, errors.New("gateway: StartLocal opens its own key database; leave Keys unset")
	}
	keys, err := OpenKeys(dbPath)
	if err != nil {
		return nil, err
	}
	fail := func(err error) (*Local, error) { return nil, errors.Join(err, keys.Close()) }
	ctx := context.Background()
	k, ok, err := keys.Authenticate(ctx, DevKey)
	switch {
	case err != nil:
		return fail(err)
	case !ok && k.Name == "":
		if _, err := keys.Import(ctx, "localnet", DevKey, Limits{}); err != nil {
			return fail(err)
		}
	}
	cfg.Keys = keys
	g, err := New(cfg)
	if err != nil {
		return fail(err)
	}
	if err := g.Start(); err != nil {
		return fail(errors.Join(err, g.Stop()))
	}
	return &Local{Gateway: g, keys: keys, key: DevKey}, nil
}

// Lines are what a local network prints so that any OpenAI client uses the
// gateway: OPENAI_BASE_URL=…, OPENAI_API_KEY=…, and a curl example for the
// first text model and one for the first forecasting model.
func (l *Local) Lines() []string {
	lines := []string{"OPENAI_BASE_URL=" + l.BaseURL(), "OPENAI_API_KEY=" + l.key}
	if len(l.cfg.Subnets) > 0 {
		lines = append(lines, fmt.Sprintf(`curl -s %s/chat/completions -H "Authorization: Bearer %s" -H "Content-Type: application/json" -d '{"model":"%s","messages":[{"role":"user","content":"In the beginning"}],"max_tokens":16}'`,
			l.BaseURL(), l.key, l.cfg.Subnets[0].Model))
	}
	if len(l.cfg.Forecasts) > 0 {
		lines = append(lines, fmt.Sprintf(`curl -s %s/forecast -H "Authorization: Bearer %s" -H "Content-Type: application/json" -d '{"model":"%s","series":[3,5,4,6,5,7,6,8],"horizon":3,"quantile_levels":[0.1,0.5,0.9]}'`,
			l.BaseURL(), l.key, l.cfg.Forecasts[0].Model))
	}
	return lines
}

// Keys is the local gateway's key database.
func (l *Local) Keys() *Keys { return l.keys }

// Stop stops the gateway and closes its key database.
func (l *Local) Stop() error { return errors.Join(l.Gateway.Stop(), l.keys.Close()) }
