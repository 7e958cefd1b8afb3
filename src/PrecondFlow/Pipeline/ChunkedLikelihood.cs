using PrecondFlow.Distributed;
using PrecondFlow.Solvers;
using static TorchSharp.torch;

namespace PrecondFlow.Pipeline;

/// <summary>
/// log p(x) of many points, a fixed chunk of points at a time. Each chunk is one batch of the divergence integral, with
/// its own adaptive steps and its Hutchinson probes drawn from the options' seed plus the chunk's index, so memory is
/// bounded by the chunk and the numbers depend on the chunk size only, not on how many processes share the work: under a
/// communicator of W processes rank r integrates a contiguous run of chunks and the per-point results are gathered in
/// order on every process. A single chunk (all points) is exactly <see cref="PreconditionedModel.LogLikelihood"/>.
/// </summary>
public static class ChunkedLikelihood
{
    /// <summary>Points per chunk when none is given: large enough that small models pay little per-call overhead.</summary>
    public const int DefaultChunkSize = 4096;

    /// <summary>log p(x) of every point, chunk by chunk, shared between the processes of <paramref name="communicator"/>.</summary>
    /// <param name="model">The trained model.</param>
    /// <param name="x">(n, dim) points, the same on every process.</param>
    /// <param name="labels">(n) labels for a conditional model, the same on every process; else null.</param>
    /// <param name="solver">The solver of each chunk's divergence integral.</param>
    /// <param name="options">Divergence method, probes and seed; chunk c uses seed + c.</param>
    /// <param name="chunkSize">Points per chunk (the last may be smaller).</param>
    /// <param name="communicator">The processes sharing the chunks, or null for this process alone.</param>
    /// <param name="progress">This process's chunks done, of its total.</param>
    /// <returns>Every point's log p (and standard error when estimated), in the order of <paramref name="x"/>, on the CPU.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="chunkSize"/> is not positive.</exception>
    public static LikelihoodResult Compute(PreconditionedModel model, Tensor x, Tensor? labels, IOdeSolver solver,
        LogDensityOptions options, int chunkSize = DefaultChunkSize, ICommunicator? communicator = null,
        IProgress<(int Done, int Total)>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(solver);
        ArgumentNullException.ThrowIfNull(options);
        if (chunkSize < 1)
            throw new ArgumentOutOfRangeException(nameof(chunkSize), chunkSize, "A chunk holds at least one point.");
        communicator ??= SingleProcess.Instance;
        long count = x.shape[0];
        int chunks = (int)((count + chunkSize - 1) / chunkSize);
        int first = (int)((long)chunks * communicator.Rank / communicator.WorldSize);
        int end = (int)((long)chunks * (communicator.Rank + 1) / communicator.WorldSize);

        using var scope = NewDisposeScope();
        // Each chunk's rows as (n_c, 2) float64: log p, and its standard error (NaN when the estimate has none).
        var mine = new List<Tensor>();
        for (int c = first; c < end; c++)
        {
            using var chunkScope = NewDisposeScope();
            long start = (long)c * chunkSize, length = Math.Min(chunkSize, count - start);
            var result = model.LogLikelihood(x.narrow(0, start, length), labels?.narrow(0, start, length), solver,
                options with { Seed = options.Seed + c });
            var logDensity = result.LogDensity.detach().cpu().to(ScalarType.Float64);
            var error = result.StandardError?.detach().cpu().to(ScalarType.Float64) ?? full_like(logDensity, double.NaN);
            mine.Add(stack([logDensity, error], 1).MoveToOuterDisposeScope());
            progress?.Report((c - first + 1, end - first));
        }
        var rows = mine.Count > 0 ? cat(mine, 0) : empty([0, 2], dtype: ScalarType.Float64);
        var all = RowGather.AllGather(communicator, rows);
        var dtype = model.Field.parameters().First().dtype;
        var density = all.select(1, 0).to(dtype).contiguous();
        var errors = all.select(1, 1);
        Tensor? standardError = errors.isnan().all().item<bool>() ? null : errors.to(dtype).contiguous();
        bool exact = options.Resolve((int)x.shape[1]) == DivergenceMethod.Exact && model.Preconditioner.HasExactLogDet;
        return new LikelihoodResult(density.MoveToOuterDisposeScope(), standardError?.MoveToOuterDisposeScope(), (int)x.shape[1], exact);
    }
}
