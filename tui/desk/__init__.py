"""A desk shares one feed: frames and ticks over NATS JetStream. No textual here.

- options    NatsOptions: URL, credentials file, TLS files
- link       NatsLink: one kept-up connection with back-off; LinkState / LinkStatus in plain words
- frames     a frame on the wire: Arrow IPC body, metadata in headers; FrameUpdate, FrameRejected
- bucket     the key-value bucket: one key per dataset, chunks for frames over max_payload
- publisher  FramePublisher: the feed publishes frames and ticks
- watcher    FrameWatcher, TickWatcher: a monitor follows them
- service    SymbolService / request_symbols: on-demand symbols, rate-limited per client
- ticks      Tick, the JSON tick batches
- doctor     check_nats: connection, bucket, age of each key
"""
