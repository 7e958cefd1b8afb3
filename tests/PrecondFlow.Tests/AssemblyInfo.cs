// libtorch has process-wide state (seeds, default dtype, thread count): tests run one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
