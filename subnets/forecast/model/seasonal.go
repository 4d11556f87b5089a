package model

// seasonal is a sum of fixed seasonal profiles, one per period, indexed by
// absolute time (the position in the fitted history).
type seasonal struct {
	periods  []int
	profiles [][]float64
}

// fitSeasonal estimates one zero-mean profile per period by classical
// decomposition: a centred moving average over one cycle removes the trend,
// and the average of what is left at each phase is the profile. With two
// periods each profile is re-estimated once more from the values less the
// other (backfitting), so that neither absorbs the other's pattern. Each
// period needs at least two cycles of values (see usablePeriods).
func fitSeasonal(values []float64, periods []int) seasonal {
	s := seasonal{periods: periods, profiles: make([][]float64, len(periods))}
	for i, p := range periods {
		s.profiles[i] = make([]float64, p)
	}
	rounds := 1
	if len(periods) > 1 {
		rounds = 2
	}
	rest := make([]float64, len(values))
	for range rounds {
		for i, p := range periods {
			for t, v := range values {
				rest[t] = v
				for j, q := range periods {
					if j != i {
						rest[t] -= s.profiles[j][t%q]
					}
				}
			}
			s.profiles[i] = phaseMeans(rest, p)
		}
	}
	return s
}

// at is the seasonal component at absolute time t.
func (s seasonal) at(t int) float64 {
	v := 0.0
	for i, p := range s.periods {
		v += s.profiles[i][t%p]
	}
	return v
}

// adjust returns values[from:] less their seasonal component.
func (s seasonal) adjust(values []float64, from int) []float64 {
	out := make([]float64, len(values)-from)
	for i := range out {
		out[i] = values[from+i] - s.at(from+i)
	}
	return out
}

// phaseMeans detrends values with a centred moving average of one cycle
// (the 2×p average for even p) and averages what is left by phase, then
// centres the profile on zero.
func phaseMeans(values []float64, p int) []float64 {
	n := len(values)
	prefix := make([]float64, n+1)
	for i, v := range values {
		prefix[i+1] = prefix[i] + v
	}
	half := p / 2
	sums := make([]float64, p)
	counts := make([]float64, p)
	for t := half; t+half < n; t++ {
		var ma float64
		if p%2 == 1 {
			ma = (prefix[t+half+1] - prefix[t-half]) / float64(p)
		} else {
			ma = (prefix[t+half] - prefix[t-half+1] + 0.5*(values[t-half]+values[t+half])) / float64(p)
		}
		sums[t%p] += values[t] - ma
		counts[t%p]++
	}
	profile := make([]float64, p)
	total := 0.0
	for i := range profile {
		if counts[i] > 0 {
			profile[i] = sums[i] / counts[i]
		}
		total += profile[i]
	}
	for i := range profile {
		profile[i] -= total / float64(p)
	}
	return profile
}
