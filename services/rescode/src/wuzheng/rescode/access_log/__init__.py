"""Who used my data (谁用了我的数据): every scan, verification and evidence request that
touched a holder, in a hash-chained log per holder; each new entry is announced as
``rescode.access.recorded`` so the app can notify the holder."""
