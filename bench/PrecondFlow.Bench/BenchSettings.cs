namespace PrecondFlow.Bench;

/// <summary>What a bench run does, as parsed from the command line.</summary>
/// <param name="Device">"cpu" or "cuda".</param>
/// <param name="LibTorch">Folder of a CUDA libtorch for --device cuda, or null for the environment variable.</param>
/// <param name="Threads">libtorch intra-op threads; 0 keeps libtorch's default.</param>
/// <param name="OmpWaitPolicy">"inherit" (leave OMP_WAIT_POLICY as the environment has it), "passive" or "active".</param>
/// <param name="Quick">Smoke test: fewer repetitions and fewer items per repetition, same shapes.</param>
/// <param name="Json">Null: no JSON; "-": JSON on standard output (the table goes to standard error); else a file.</param>
/// <param name="Only">Workloads to run; empty for all.</param>
/// <param name="Soak">Training steps of the soak run instead of the workloads; 0 for none.</param>
/// <param name="SoakEvery">Steps between memory readings of the soak run.</param>
/// <param name="SoakModel">What the soak run trains: "table4" or "unet".</param>
/// <param name="SoakUNetChannels">Channels at the first level of the soak's UNet.</param>
/// <param name="SoakBatch">Minibatch of the soak's UNet.</param>
internal sealed record BenchSettings(string Device, string? LibTorch, int Threads, string OmpWaitPolicy, bool Quick, string? Json,
    IReadOnlyList<string> Only, int Soak, int SoakEvery, string SoakModel = "table4", int SoakUNetChannels = 64, int SoakBatch = 64)
{
    public const string StandardOutput = "-";

    public bool JsonToStandardOutput => Json == StandardOutput;

    public void Validate()
    {
        if (Device is not ("cpu" or "cuda"))
            throw new ArgumentException($"Unknown device '{Device}'. Use cpu or cuda.", nameof(Device));
        if (Threads < 0)
            throw new ArgumentOutOfRangeException(nameof(Threads), Threads,
                $"--threads must be 0 (libtorch's default) or a positive number; got {Threads}.");
        if (!OpenMpEnvironment.Policies.Contains(OmpWaitPolicy))
            throw new ArgumentException(
                $"Unknown OpenMP wait policy '{OmpWaitPolicy}'. Use one of: {string.Join(", ", OpenMpEnvironment.Policies)}.", nameof(OmpWaitPolicy));
        if (Soak < 0)
            throw new ArgumentOutOfRangeException(nameof(Soak), Soak, $"--soak takes a number of training steps (e.g. 20000); got {Soak}.");
        if (SoakEvery < 1)
            throw new ArgumentOutOfRangeException(nameof(SoakEvery), SoakEvery, $"--soak-every must be positive (e.g. 1000); got {SoakEvery}.");
        if (!Measurement.SoakModel.Names.Contains(SoakModel))
            throw new ArgumentException(
                $"Unknown --soak-model '{SoakModel}'. Use one of: {string.Join(", ", Measurement.SoakModel.Names)}.", nameof(SoakModel));
    }

    /// <summary>The soak run's model, as the settings choose it.</summary>
    public Measurement.SoakModel SoakRunModel() => SoakModel == "unet"
        ? Measurement.SoakModel.UNet(SoakUNetChannels, SoakBatch)
        : Measurement.SoakModel.Table4;
}
