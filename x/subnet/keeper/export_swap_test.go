package keeper

// SwapServer opens the key-swap handlers to the keeper_test package.
func SwapServer(k Keeper) msgServer { return msgServer{k: k} }
