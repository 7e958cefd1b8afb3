using PrecondFlow.Training;

namespace PrecondFlow.Images;

/// <summary>A trained classifier (in evaluation mode), its loss trace and the training time.</summary>
/// <param name="LossTrace">Mean training loss over each logging window, by step.</param>
public sealed record ClassifierTrainingResult(DigitClassifier Classifier, IReadOnlyList<LossPoint> LossTrace, double Seconds);
