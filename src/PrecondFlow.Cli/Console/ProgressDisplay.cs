using Spectre.Console;

namespace PrecondFlow.Cli.Console;

/// <summary>Progress bars with elapsed time and ETA for long work, on standard error so that stdout stays clean.</summary>
internal static class ProgressDisplay
{
    private static readonly IAnsiConsole ErrorConsole = AnsiConsole.Create(new AnsiConsoleSettings
    {
        Out = new AnsiConsoleOutput(System.Console.Error),
    });

    /// <summary>Runs <paramref name="work"/> with one progress task per stage; each stage reports (done, total, status).</summary>
    /// <param name="work">The work, given the stages to report to.</param>
    /// <param name="visible">False draws nothing (the processes of a distributed run other than rank 0).</param>
    public static T Run<T>(Func<Stages, T> work, bool visible = true)
    {
        if (!visible)
            return work(new Stages(null));
        T result = default!;
        ErrorConsole.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(),
                new ElapsedTimeColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .Start(context => result = work(new Stages(context)));
        return result;
    }

    public static void Run(Action<Stages> work) => Run<int>(s => { work(s); return 0; });

    /// <summary>Creates progress tasks inside a running display.</summary>
    internal sealed class Stages
    {
        private readonly ProgressContext? context;

        /// <param name="context">The display, or null to draw nothing.</param>
        public Stages(ProgressContext? context) => this.context = context;

        /// <summary>A new bar; the returned reporter takes (done, status text).</summary>
        public IProgress<(double Done, string Status)> Add(string name, double total)
        {
            if (context is null)
                return new Progress<(double Done, string Status)>();
            var task = context.AddTask(Markup.Escape(name), maxValue: Math.Max(total, 1));
            return new Reporter(task, name);
        }

        private sealed class Reporter : IProgress<(double Done, string Status)>
        {
            private readonly ProgressTask task;
            private readonly string name;

            public Reporter(ProgressTask task, string name)
            {
                this.task = task;
                this.name = name;
            }

            public void Report((double Done, string Status) value)
            {
                task.Value = Math.Min(value.Done, task.MaxValue);
                task.Description = Markup.Escape(string.IsNullOrEmpty(value.Status) ? name : $"{name} {value.Status}");
            }
        }
    }
}
