using PrecondFlow.Experiments.Images;
using PrecondFlow.Experiments.TwoD;

namespace PrecondFlow.Reporting.Narratives;

/// <summary>The sentences of an experiment's report, written from its result.</summary>
/// <param name="Introduction">Paragraphs that explain the experiment to a reader who has not read the paper.</param>
/// <param name="Findings">The result paragraph, sentence by sentence, generated from the numbers ("" for a sentence that
/// has nothing to say, e.g. no arm at the noise floor).</param>
/// <param name="Fairness">How the arms were kept comparable, as applied in this run.</param>
public sealed record Narrative(IReadOnlyList<string> Introduction, IReadOnlyList<string> Findings, IReadOnlyList<string> Fairness)
{
    /// <summary>A narrative without sentences, for results of experiments that have none written for them.</summary>
    public static Narrative Empty { get; } = new([], [], []);

    /// <summary>The result paragraph as one string: the non-empty findings joined by spaces.</summary>
    public string Paragraph => string.Join(" ", Findings.Where(f => f.Length > 0));

    /// <summary>The sentences for <paramref name="result"/>, chosen by the type of its <see cref="ExperimentResult.Options"/>;
    /// <see cref="Empty"/> for an experiment without a narrative.</summary>
    public static Narrative For(ExperimentResult result) => result.Options switch
    {
        Table2Setup setup => Table2Narrative.Write(result, setup),
        Table3Setup setup => Table3Narrative.Write(result, setup),
        _ => Empty,
    };
}
