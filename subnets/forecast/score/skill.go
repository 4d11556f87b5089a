package score

import (
	"fmt"

	"github.com/gotensor/gotensor/subnets/forecast/model"
	"github.com/gotensor/gotensor/subnets/forecast/protocol"
)

// ReferenceModel is the fixed forecast every answer is measured against.
const ReferenceModel = "seasonal-naive"

// Reference is the reference model's answer to c: the forecast a skill of 0
// stands for. It is a pure function of the challenge, so every validator
// (and the referee) computes the same one.
func Reference(c protocol.Challenge) (protocol.Forecast, error) {
	m, err := model.New(ReferenceModel)
	if err != nil {
		return protocol.Forecast{}, err
	}
	f, err := m.Forecast(model.InputOf(c))
	if err != nil {
		return protocol.Forecast{}, fmt.Errorf("reference forecast for challenge %s: %w", c.ID, err)
	}
	return f, nil
}

// Skill is an answer's improvement over the reference on one challenge, in
// units of the challenge's scale: the reference's combined loss minus the
// answer's. See the package comment for why it is proper.
func Skill(reference, answer Loss) float64 { return reference.Combined - answer.Combined }

// NoAnswerSkill is the skill of a missing, late or invalid answer: it is
// charged as a forecast max(reference, 1) worse than the reference, so
// silence costs at least one scale unit and at least as much again as the
// reference lost.
func NoAnswerSkill(reference Loss) float64 { return -max(reference.Combined, 1) }
