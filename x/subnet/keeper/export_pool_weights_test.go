package keeper

import "context"

// ReweightForInjection runs the injection's weight update on a subnet's stored pool and returns
// the TAO and alpha the pool may then take.
func (k Keeper) ReweightForInjection(ctx context.Context, netuid uint32, taoIn, alphaIn uint64) (uint64, uint64, error) {
	pool, err := k.GetPool(ctx, netuid)
	if err != nil {
		return 0, 0, err
	}
	in, err := k.reweightForInjection(ctx, netuid, &pool, injection{taoIn: taoIn, alphaIn: alphaIn})
	return in.taoIn, in.alphaIn, err
}
