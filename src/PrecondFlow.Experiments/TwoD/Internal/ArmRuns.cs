namespace PrecondFlow.Experiments.TwoD.Internal;

/// <summary>
/// The loop every reproduced experiment shares: each arm in turn, each seed in turn, one progress bar per arm, the pictures
/// of the first seed kept for the figures.
/// </summary>
internal static class ArmRuns
{
    /// <summary>One seed of one arm: its run, its pictures when asked for, and the preconditioner's trainable parameters.</summary>
    public delegate (SeedRun Run, TPictures? Pictures, long Parameters) SeedRunner<TPictures>(
        string arm, long seed, ArmProgress bar, bool keepPictures) where TPictures : class;

    /// <param name="steps">Per arm, the progress units of one seed: preconditioner fitting steps and main-flow steps.</param>
    /// <param name="label">Per arm, how the report names it.</param>
    /// <param name="description">Per arm, what it does in a sentence.</param>
    public static (IReadOnlyList<ArmResult> Arms, IReadOnlyDictionary<string, TPictures> Pictures) Run<TPictures>(
        IExperimentProgress progress, string experimentId, IReadOnlyList<string> arms, IReadOnlyList<long> seeds,
        Func<string, (int Fit, int Main)> steps, SeedRunner<TPictures> runSeed, Func<string, string> label,
        Func<string, string> description) where TPictures : class
    {
        var results = new List<ArmResult>();
        var pictures = new Dictionary<string, TPictures>();
        foreach (var arm in arms)
        {
            var (fit, main) = steps(arm);
            var bar = new ArmProgress(progress, $"{experimentId} {arm}", seeds.Count, fit, main);
            var runs = new List<SeedRun>();
            long parameters = 0;
            for (int i = 0; i < seeds.Count; i++)
            {
                bar.SeedIndex = i;
                var (run, picture, count) = runSeed(arm, seeds[i], bar, keepPictures: i == 0);
                runs.Add(run);
                parameters = count;
                if (picture is not null)
                    pictures[arm] = picture;
            }
            bar.Done();
            results.Add(new ArmResult(arm, label(arm), description(arm), parameters, runs));
        }
        return (results, pictures);
    }
}
