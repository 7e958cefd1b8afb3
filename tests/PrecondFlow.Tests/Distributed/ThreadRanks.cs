using PrecondFlow.Distributed;

namespace PrecondFlow.Tests.Distributed;

/// <summary>
/// The ranks of a data-parallel run as threads of this process: each thread gets a communicator whose collectives meet
/// at a barrier and reduce exactly as MPICH does for these sizes (the sum of the ranks' buffers, divided by the world
/// size). It runs a library function data-parallel in seconds, without a launcher; the MPI transport of the same
/// collectives is covered by the mpiexec tests of the command line.
/// </summary>
internal static class ThreadRanks
{
    /// <summary>Runs <paramref name="body"/> on <paramref name="worldSize"/> threads, one rank each, and returns
    /// their results by rank; an exception of any rank fails the run.</summary>
    public static T[] Run<T>(int worldSize, Func<ICommunicator, T> body)
    {
        var shared = new Meeting(worldSize);
        var results = new T[worldSize];
        var errors = new Exception?[worldSize];
        var threads = Enumerable.Range(0, worldSize).Select(rank => new Thread(() =>
        {
            try
            {
                results[rank] = body(new ThreadRank(shared, rank));
            }
            catch (Exception e)
            {
                errors[rank] = e;
                shared.Barrier.Dispose();   // releases the others from the collective they wait in
            }
        }, maxStackSize: 16 << 20)).ToArray();
        foreach (var thread in threads)
            thread.Start();
        foreach (var thread in threads)
            thread.Join();
        if (errors.FirstOrDefault(e => e is not null and not ObjectDisposedException) is { } error)
            throw new InvalidOperationException("a rank failed", error);
        if (errors.FirstOrDefault(e => e is not null) is { } other)
            throw new InvalidOperationException("a rank failed", other);
        return results;
    }

    private sealed class Meeting(int worldSize)
    {
        public Barrier Barrier { get; } = new(worldSize);
        public object?[] Slots { get; } = new object?[worldSize];
        public int WorldSize => worldSize;
    }

    private sealed class ThreadRank(Meeting meeting, int rank) : ICommunicator
    {
        public int Rank => rank;
        public int WorldSize => meeting.WorldSize;
        public string Library => "threads";

        public void AllReduceMean(float[] values)
        {
            var all = Exchange((float[])values.Clone());
            for (int i = 0; i < values.Length; i++)
            {
                float sum = 0;
                foreach (var buffer in all)
                    sum += buffer[i];
                values[i] = sum / WorldSize;
            }
        }

        public void AllReduceMean(double[] values)
        {
            var all = Exchange((double[])values.Clone());
            for (int i = 0; i < values.Length; i++)
            {
                double sum = 0;
                foreach (var buffer in all)
                    sum += buffer[i];
                values[i] = sum / WorldSize;
            }
        }

        public byte[] Broadcast(byte[] values, int root = 0) => Exchange(values)[root];

        public byte[][] AllGather(byte[] values) => Exchange(values);

        public void Abort(int exitCode) => throw new InvalidOperationException($"rank {rank} aborted the run ({exitCode})");

        public void Dispose()
        {
        }

        /// <summary>Every rank's <paramref name="mine"/>, by rank; the second barrier keeps the slots until all have read.</summary>
        private T[] Exchange<T>(T mine)
        {
            meeting.Slots[rank] = mine;
            meeting.Barrier.SignalAndWait();
            var all = meeting.Slots.Cast<T>().ToArray();
            meeting.Barrier.SignalAndWait();
            return all;
        }
    }
}
