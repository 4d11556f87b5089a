package keeper

// SwapServer opens the key-swap handlers to the keeper_test package.
func SwapServer(k Keeper) msgServer { return msgServer{k: k} }

// SwapQueryServer opens the key-swap queries to the keeper_test package.
func SwapQueryServer(k Keeper) queryServer { return queryServer{k: k} }
