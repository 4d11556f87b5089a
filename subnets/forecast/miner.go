package forecast

import (
	"github.com/gotensor/gotensor/subnets/forecast/model"
	"github.com/gotensor/gotensor/subnets/forecast/protocol"
)

// Miner answers challenges with one model.
type Miner struct {
	model model.Model
}

// NewMiner returns a miner running the model registered under name (see
// model.Names).
func NewMiner(modelName string) (*Miner, error) {
	m, err := model.New(modelName)
	if err != nil {
		return nil, err
	}
	return &Miner{model: m}, nil
}

// Model names the model the miner runs.
func (m *Miner) Model() string { return m.model.Name() }

// Answer forecasts the challenge. It errs only on an invalid challenge
// (wrapping protocol.ErrInvalidChallenge); the answer it returns always
// passes protocol.Answer.Check.
func (m *Miner) Answer(c protocol.Challenge) (protocol.Answer, error) {
	if err := c.Validate(); err != nil {
		return protocol.Answer{}, err
	}
	f, err := m.model.Forecast(model.InputOf(c))
	if err != nil {
		return protocol.Answer{}, err
	}
	return protocol.Answer{ChallengeID: c.ID, Forecast: f}, nil
}
