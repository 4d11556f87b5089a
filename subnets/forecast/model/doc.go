// Package model holds the forecasting models miners run, each behind one
// interface and chosen by name (the miner's --model flag).
//
// Every model fits a method to the history it is given and nothing else: no
// state survives between calls, so a forecast is a pure function of its
// input and two miners running the same model answer alike.
//
// Point forecasts come from the method. Quantile forecasts come from the
// method's own errors, measured out of sample: the method is refitted on the
// history without its last quarter (at most 96 points), forecasts are made
// from every origin in that held-out stretch, and the errors at each step
// ahead give a scale per step (their mean absolute value, made
// non-decreasing) and, pooled after dividing by that scale, one error shape.
// A quantile is the point forecast plus the step's scale times the shape's
// empirical quantile. A method that forecasts badly therefore also gets wide
// bands, and one that overfits its history is caught by the held-out errors.
// Histories too short to hold anything out use in-sample errors instead.
//
// The models, from simplest to best on the subnet's live series:
//
//	mean            the history's mean
//	naive           the last value
//	drift           the last value plus the history's mean step
//	ses             simple exponential smoothing, smoothing weight fitted
//	seasonal-naive  the value one season earlier
//	holt-winters    additive level, trend and season, weights fitted by Nelder-Mead
//	ar              seasonal adjustment, then an autoregression on levels or
//	                differences whose order and form are chosen by AIC,
//	                fitted by least squares
//	gbt             the ar model plus gradient-boosted regression trees,
//	                trained on each history, that learn what the linear
//	                model leaves: nonlinear dynamics such as thresholds or
//	                a reaction that depends on the seasonal phase; the
//	                number of trees is chosen on held-out data, and point
//	                and quantiles are read off 100 simulated paths
//
// Every model is deterministic (gbt simulates its paths from a constant
// seed), returns finite values for any finite history (constant, one point
// long, or wild), and answers a 256-point challenge in 0.05 ms (the naive
// family) to about 5 ms (gbt) on one core (BenchmarkForecast).
package model
