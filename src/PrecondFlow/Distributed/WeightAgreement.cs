using System.Security.Cryptography;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PrecondFlow.Distributed;

/// <summary>
/// Checks that every process holds the same weights, bit for bit, by comparing a SHA-256 of their bytes: data-parallel
/// training keeps them identical by construction, so any difference is a bug or a corrupted process, and an error.
/// </summary>
public static class WeightAgreement
{
    /// <summary>SHA-256 of the parameters' values, in order.</summary>
    public static byte[] Hash(IEnumerable<Parameter> parameters)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using (NewDisposeScope())
        {
            foreach (var p in parameters)
            {
                var host = p.detach().cpu().contiguous();
                hash.AppendData(host.bytes);
            }
        }
        return hash.GetHashAndReset();
    }

    /// <summary>Compares the weights' hash of every process with rank 0's.</summary>
    /// <param name="communicator">The processes of the run.</param>
    /// <param name="parameters">The weights, in the same order on every process.</param>
    /// <param name="step">Steps done, for the message.</param>
    /// <exception cref="InvalidOperationException">Some process's weights differ; the message names the step and the ranks.</exception>
    public static void Check(ICommunicator communicator, IEnumerable<Parameter> parameters, int step)
    {
        if (communicator.WorldSize == 1)
            return;
        var hashes = communicator.AllGather(Hash(parameters));
        var differing = Enumerable.Range(1, hashes.Length - 1).Where(r => !hashes[r].AsSpan().SequenceEqual(hashes[0])).ToArray();
        if (differing.Length > 0)
            throw new InvalidOperationException(
                $"After step {step} the weights of rank{(differing.Length > 1 ? "s" : "")} {string.Join(", ", differing)} differ from those of rank 0 " +
                "(data-parallel processes must take identical steps): check that every process runs the same build with the same arguments and libtorch.");
    }
}
