using System.Diagnostics;
using PrecondFlow.Distributed;
using PrecondFlow.Fields;
using PrecondFlow.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace PrecondFlow.Images;

/// <summary>Trains a <see cref="ConvVae"/> and measures it: reconstruction error, posterior means.</summary>
public static class VaeTraining
{
    /// <summary>
    /// Trains a fresh VAE on shuffled epochs. Per batch the loss is MSE(x̂, x) + PerceptualWeight · MSE(φ(x̂), φ(x))
    /// + KlWeight · KL, where x̂ decodes z = mean + σ ε and φ is the frozen <paramref name="perceptual"/> classifier's
    /// <see cref="DigitClassifier.Features"/>. The classifier is neither stepped nor given gradients, and its
    /// training flag and parameters are left as they were. Everything random derives from <paramref name="seed"/>.
    /// </summary>
    /// <param name="images">(n, 1, 28, 28) float images in [0, 1].</param>
    /// <param name="perceptual">The classifier whose features define the perceptual term; null for none.</param>
    /// <param name="progress">Receives (step, total steps, mean total loss of the window) every <see cref="VaeOptions.LogEvery"/> steps.</param>
    /// <param name="parallel">Data-parallel training over several processes, or null for one. Every process draws the
    /// same minibatch and reparameterisation noise, keeps its <see cref="RowSlice"/> of them, and weights its loss terms
    /// by the slice's size (each term is a mean over rows); the averaged gradients are then the whole minibatch's.</param>
    public static VaeTrainingResult Train(Tensor images, DigitClassifier? perceptual, VaeOptions options, long seed,
        IProgress<(int Step, int TotalSteps, double Loss)>? progress = null, DataParallel? parallel = null)
    {
        options.Validate();
        ImageChecks.CheckImages(images, nameof(images));
        if (images.shape[0] == 0)
            throw new ArgumentException("The training images are empty.", nameof(images));
        var clock = Stopwatch.StartNew();
        var vae = new ConvVae(options);
        using (var networkGenerator = new Generator(unchecked((ulong)seed)))
            ParameterInitialization.Reset(vae, networkGenerator);
        using var generator = new Generator(unchecked((ulong)seed));
        using var x = images.to(ScalarType.Float32);
        long n = x.shape[0];
        using var batches = new EpochBatches(n, options.BatchSize, generator);
        int stepsPerEpoch = batches.StepsPerEpoch;
        int total = stepsPerEpoch * options.Epochs;
        var trace = new List<VaeLossPoint>();
        using var loop = new TrainingLoop(vae.parameters(), new LearningRateSchedule(options.LearningRate, total, options.WarmupSteps),
            options.WeightDecay, options.GradientClip, options.LogEvery)
        {
            Subject = "VAE's training",
            DivergenceHint = $"lower VaeOptions.LearningRate ({options.LearningRate}).",
            Parallel = parallel,
        };
        StepLoss Step(int step)
        {
            var index = batches.Indices(step);
            var rows = parallel?.RowsOf(index.shape[0]) ?? RowSlice.Of(index.shape[0], 0, 1);
            var batch = x.index_select(0, rows.IsWhole ? index : index.narrow(0, rows.Start, rows.Length));
            var terms = Loss(vae, perceptual, batch, options, generator, rows);
            if (!rows.IsWhole)
                terms = terms.Select(t => t * rows.LossWeight).ToArray();
            return new StepLoss(terms[0], stack(terms));
        }

        var frozen = perceptual?.parameters().Select(p => (Parameter: p, RequiresGrad: p.requires_grad)).ToList();
        bool perceptualWasTraining = perceptual?.training ?? false;
        try
        {
            if (perceptual is not null)
            {
                perceptual.eval();
                foreach (var (p, _) in frozen!)
                    p.requires_grad_(false);
            }
            vae.train();
            loop.Run(0, total, Step, onWindow: window =>
            {
                var mean = window.Means;
                trace.Add(new VaeLossPoint(window.Step, mean[0], mean[1], mean[2], mean[3]));
                progress?.Report((window.Step, total, mean[0]));
            });
        }
        finally
        {
            if (perceptual is not null)
            {
                foreach (var (p, requiresGrad) in frozen!)
                    p.requires_grad_(requiresGrad);
                perceptual.train(perceptualWasTraining);
            }
        }
        vae.eval();
        return new VaeTrainingResult(vae, trace, clock.Elapsed.TotalSeconds);
    }

    /// <summary>The loss terms of one batch (this process's <paramref name="rows"/> of the minibatch): [total, mse,
    /// perceptual, kl], each a scalar tensor, a mean over the rows.</summary>
    private static Tensor[] Loss(ConvVae vae, DigitClassifier? perceptual, Tensor batch, VaeOptions options, Generator generator,
        RowSlice rows)
    {
        var (mean, logVariance) = vae.Encode(batch);
        // Drawn for the whole minibatch on every process, so that each row gets the noise one process would give it.
        long[] whole = [rows.GlobalBatch, .. mean.shape[1..]];
        var noise = randn(whole, dtype: mean.dtype, generator: generator);
        if (!rows.IsWhole)
            noise = noise.narrow(0, rows.Start, rows.Length);
        var reconstruction = vae.Decode(mean + (0.5 * logVariance).exp() * noise);
        var mse = nn.functional.mse_loss(reconstruction, batch);
        var kl = (0.5 * (mean.square() + logVariance.exp() - 1 - logVariance)).sum(1).mean();
        var total = mse + options.KlWeight * kl;
        Tensor featureError;
        if (perceptual is not null && options.PerceptualWeight > 0)
        {
            Tensor target;
            using (no_grad())
                target = perceptual.Features(batch);
            featureError = nn.functional.mse_loss(perceptual.Features(reconstruction), target);
            total = total + options.PerceptualWeight * featureError;
        }
        else
        {
            featureError = zeros_like(mse);
        }
        return new[] { total, mse, featureError, kl };
    }

    /// <summary>Mean squared error per pixel of Decode(mean) against <paramref name="images"/> (no gradients).</summary>
    /// <param name="images">(n, 1, 28, 28) float images in [0, 1].</param>
    public static double ReconstructionError(ConvVae vae, Tensor images, int batchSize = 1000)
    {
        ImageChecks.CheckImages(images, nameof(images));
        CheckBatch(images, batchSize);
        using var _ = no_grad();
        using var sum = zeros(1, dtype: ScalarType.Float64);
        long n = images.shape[0];
        for (long start = 0; start < n; start += batchSize)
        {
            using var scope = NewDisposeScope();
            var batch = images.narrow(0, start, Math.Min(batchSize, n - start)).to(ScalarType.Float32);
            sum.add_((vae.Decode(vae.Encode(batch).Mean) - batch).square().sum().to(ScalarType.Float64));
        }
        return sum.item<double>() / images.numel();
    }

    /// <summary>The posterior means: the latents a flow is trained on (no gradients).</summary>
    /// <param name="images">(n, 1, 28, 28) float images in [0, 1].</param>
    /// <returns>(n, latent) float32.</returns>
    public static Tensor EncodeMeans(ConvVae vae, Tensor images, int batchSize = 1000)
    {
        ImageChecks.CheckImages(images, nameof(images));
        CheckBatch(images, batchSize);
        using var _ = no_grad();
        long n = images.shape[0];
        var means = new List<Tensor>();
        for (long start = 0; start < n; start += batchSize)
        {
            using var scope = NewDisposeScope();
            var batch = images.narrow(0, start, Math.Min(batchSize, n - start)).to(ScalarType.Float32);
            means.Add(vae.Encode(batch).Mean.to(ScalarType.Float32).MoveToOuterDisposeScope());
        }
        var all = cat(means, 0);
        foreach (var m in means)
            m.Dispose();
        return all;
    }

    private static void CheckBatch(Tensor images, int batchSize)
    {
        if (batchSize < 1)
            throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "The batch size must be at least 1.");
        if (images.shape[0] == 0)
            throw new ArgumentException("The images are empty; give at least one.", nameof(images));
    }
}
