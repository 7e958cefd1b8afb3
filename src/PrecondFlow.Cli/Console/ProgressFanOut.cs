namespace PrecondFlow.Cli.Console;

/// <summary>Hands each report to every receiver, in order, on the reporting thread (e.g. a progress bar and a TensorBoard log).</summary>
internal sealed class ProgressFanOut<T>(params IProgress<T>?[] receivers) : IProgress<T>
{
    public void Report(T value)
    {
        foreach (var receiver in receivers)
            receiver?.Report(value);
    }
}
