package textgen

import (
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"unicode"

	"github.com/gotensor/gotensor/subnets/textgen/protocol"
)

// openings are the starts of King James Bible verses (public domain), the
// text the subnet's shipped model was trained on: the kind of prompt its
// users send it. A challenge is one of them cut at a word, sometimes
// wrapped as a chat.
var openings = []string{
	"In the beginning God created the heaven and the earth.",
	"And God said, Let there be light: and there was light.",
	"And the LORD said unto Moses,",
	"The LORD is my shepherd; I shall not want.",
	"Blessed are the poor in spirit: for theirs is the kingdom of heaven.",
	"And it came to pass in those days,",
	"Then answered Jesus and said unto them,",
	"Thus saith the LORD of hosts,",
	"And Abraham said,",
	"Hear, O Israel: The LORD our God is one LORD:",
	"For God so loved the world,",
	"And the children of Israel did evil in the sight of the LORD,",
	"Now the serpent was more subtil than any beast of the field",
	"And he opened his mouth, and taught them, saying,",
	"Praise ye the LORD. O give thanks unto the LORD; for he is good:",
	"And David said to Saul,",
	"Then Peter said unto them,",
	"And the word of the LORD came unto me, saying,",
	"My son, hear the instruction of thy father,",
	"And Moses went up from the plains of Moab unto the mountain of Nebo,",
	"Vanity of vanities, saith the Preacher;",
	"And when the day of Pentecost was fully come,",
	"I will lift up mine eyes unto the hills,",
	"And the earth was without form, and void;",
	"Honour thy father and thy mother:",
	"And Jacob went on his way,",
	"Wherefore, my beloved brethren,",
	"And the angel of the LORD appeared unto him",
	"Let not your heart be troubled:",
	"And the king said unto Daniel,",
	"Give ear, O ye heavens, and I will speak;",
	"And Samuel said unto all Israel,",
	"Behold, how good and how pleasant it is",
	"And Joseph made haste;",
	"The words of the Preacher, the son of David, king in Jerusalem.",
	"And Jesus answering said unto them,",
	"Now there was a famine in the land:",
	"And the people murmured against Moses, saying,",
	"O LORD, thou hast searched me, and known me.",
	"And Solomon loved the LORD,",
}

// ChallengeConfig shapes the requests a validator sends. Every field is a
// range a challenge draws from, so that challenges spread over what users
// ask for.
type ChallengeConfig struct {
	// MinTokens and MaxTokens bound max_tokens.
	MinTokens int `json:"min_tokens"`
	MaxTokens int `json:"max_tokens"`
	// Temperatures, TopKs and TopPs are drawn from uniformly.
	Temperatures []float64 `json:"temperatures"`
	TopKs        []int     `json:"top_ks"`
	TopPs        []float64 `json:"top_ps"`
	// ChatShare is the fraction of challenges sent as chats.
	ChatShare float64 `json:"chat_share"`
	// TopLogprobs is how many alternatives answers must carry.
	TopLogprobs int `json:"top_logprobs"`
}

// DefaultChallengeConfig asks for 8 to 16 tokens, at the temperatures and
// cuts common clients use, a quarter of them as chats, with 5
// alternatives per token (SN19 asked for top_logprobs ≥ 5).
func DefaultChallengeConfig() ChallengeConfig {
	return ChallengeConfig{
		MinTokens: 8, MaxTokens: 16,
		Temperatures: []float64{0.5, 0.7, 0.8, 0.9, 1},
		TopKs:        []int{5, 10, 20, 40},
		TopPs:        []float64{0, 0.9, 0.95},
		ChatShare:    0.25, TopLogprobs: 5,
	}
}

// Validate checks the ranges make valid requests.
func (c ChallengeConfig) Validate() error {
	switch {
	case c.MinTokens < 1 || c.MaxTokens < c.MinTokens || c.MaxTokens > protocol.MaxTokens:
		return fmt.Errorf("%w: tokens %d..%d, want 1 ≤ min ≤ max ≤ %d", ErrConfig, c.MinTokens, c.MaxTokens, protocol.MaxTokens)
	case len(c.Temperatures) == 0 || len(c.TopKs) == 0 || len(c.TopPs) == 0:
		return fmt.Errorf("%w: temperatures, top_ks and top_ps need at least one value each", ErrConfig)
	case !(c.ChatShare >= 0 && c.ChatShare <= 1):
		return fmt.Errorf("%w: chat_share %v, want 0..1", ErrConfig, c.ChatShare)
	}
	for _, t := range c.Temperatures {
		for _, k := range c.TopKs {
			for _, p := range c.TopPs {
				s := protocol.Sampling{MaxTokens: c.MinTokens, Temperature: t, TopK: k, TopP: p}
				r := protocol.Request{ID: "-", Prompt: "-", Sampling: s, TopLogprobs: c.TopLogprobs}
				if err := r.Validate(); err != nil {
					return fmt.Errorf("%w: %v", ErrConfig, err)
				}
			}
		}
	}
	return nil
}

// draw makes a request from r: a prompt, its sampling, and an id and seed
// of its own.
func (c ChallengeConfig) draw(r *rand.Rand) protocol.Request {
	// Cut after a word, never after punctuation or at the verse's end: the
	// model was trained with an end-of-text token after every verse, so a
	// prompt that could be a whole verse invites an empty answer, which
	// shows nothing about the model behind it.
	text := openings[r.IntN(len(openings))]
	var cuts []int
	for i := 1; i < len(text); i++ {
		if text[i] == ' ' && unicode.IsLetter(rune(text[i-1])) {
			cuts = append(cuts, i)
		}
	}
	if len(cuts) > 0 {
		text = text[:cuts[r.IntN(len(cuts))]]
	}
	req := protocol.Request{
		Sampling: protocol.Sampling{
			MaxTokens:   c.MinTokens + r.IntN(c.MaxTokens-c.MinTokens+1),
			Temperature: c.Temperatures[r.IntN(len(c.Temperatures))],
			TopK:        c.TopKs[r.IntN(len(c.TopKs))],
			TopP:        c.TopPs[r.IntN(len(c.TopPs))],
		},
		TopLogprobs: c.TopLogprobs,
	}
	if r.Float64() < c.ChatShare {
		req.Messages = []protocol.Message{{Role: "user", Content: text}}
	} else {
		req.Prompt = text
	}
	var id [16]byte
	for i := range id {
		id[i] = byte(r.Uint32())
	}
	req.ID = hex.EncodeToString(id[:])
	req.Seed = r.Uint64()
	return req
}
