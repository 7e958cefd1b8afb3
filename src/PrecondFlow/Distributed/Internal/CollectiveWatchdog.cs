using System.Diagnostics;

namespace PrecondFlow.Distributed.Internal;

/// <summary>
/// Watches the collective operations of one process from a background thread, and calls <c>expire</c> once when one of
/// them has been waiting longer than the timeout: a process that is alive but no longer answers (stopped, deadlocked,
/// swapping) would otherwise keep every other process waiting in that collective forever. MPI.NET 1.4.0 has no
/// non-blocking collectives (MPI_Iallreduce) to wait on with a deadline, so the wait is timed from outside.
/// </summary>
internal sealed class CollectiveWatchdog : IDisposable
{
    private readonly TimeSpan timeout;
    private readonly Action<string, TimeSpan> expire;
    private readonly ManualResetEventSlim stop = new();
    private readonly Thread thread;
    private long startedAt;   // Stopwatch timestamp of the collective in progress; 0 when none is.
    private string operation = "";

    /// <param name="timeout">The longest one collective may wait.</param>
    /// <param name="expire">Called once, on the watchdog's thread, with the waiting operation and how long it waited.</param>
    public CollectiveWatchdog(TimeSpan timeout, Action<string, TimeSpan> expire)
    {
        if (timeout <= TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(timeout), timeout, "The collective timeout must be positive.");
        this.timeout = timeout;
        this.expire = expire;
        thread = new Thread(Watch) { IsBackground = true, Name = "collective watchdog" };
        thread.Start();
    }

    /// <summary>Marks the start of a collective operation named <paramref name="name"/> (one at a time per process).</summary>
    public void Begin(string name)
    {
        operation = name;
        Volatile.Write(ref startedAt, Stopwatch.GetTimestamp());
    }

    /// <summary>Marks the end of the collective operation in progress.</summary>
    public void End() => Volatile.Write(ref startedAt, 0);

    private void Watch()
    {
        // Checked ten times per timeout (at most once a second): the run ends at most 10% after the timeout.
        var poll = TimeSpan.FromMilliseconds(Math.Clamp(timeout.TotalMilliseconds / 10, 1, 1000));
        while (!stop.Wait(poll))
        {
            long started = Volatile.Read(ref startedAt);
            if (started == 0)
                continue;
            var waited = Stopwatch.GetElapsedTime(started);
            if (waited > timeout)
            {
                expire(operation, waited);
                return;
            }
        }
    }

    /// <summary>Stops watching.</summary>
    public void Dispose()
    {
        stop.Set();
        thread.Join();
        stop.Dispose();
    }
}
