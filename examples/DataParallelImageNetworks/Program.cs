// Trains table2's FID classifier or VAE on random 28×28 images, as one process or data-parallel under MPICH:
//
//   dotnet run -c Release -- classifier 200              one process (libtorch's default threads)
//   OMP_NUM_THREADS=1 mpiexec -n 2 dotnet bin/Release/net10.0/DataParallelImageNetworks.dll classifier 200
//
// and prints, on rank 0, the optimizer steps per second and the gradient all-reduction's time per step. The images are
// noise: the speed of a step does not depend on what the pixels show.
using PrecondFlow.Distributed;
using PrecondFlow.Images;
using static TorchSharp.torch;

string network = args.Length > 0 ? args[0] : "classifier";
int steps = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 200;
if (network is not ("classifier" or "vae") || steps < 1)
{
    Console.Error.WriteLine("usage: DataParallelImageNetworks classifier|vae STEPS");
    return 2;
}

bool underMpi = MpiLaunch.IsMpiLaunch(Environment.GetEnvironmentVariable);
using ICommunicator communicator = underMpi
    ? MpiCommunicator.Start(MpiCommunicator.DefaultCollectiveTimeout, message => Console.Error.WriteLine(message))
    : SingleProcess.Instance;
var parallel = communicator.WorldSize > 1 ? new DataParallel(communicator) : null;

const int batch = 128;
// One epoch of exactly `steps` batches.
long count = (long)batch * steps;
using var generator = new Generator(1);
using var images = rand(new[] { count, 1L, 28, 28 }, generator: generator);
using var labels = randint(0, 10, new[] { count }, generator: generator);

double seconds;
int done;
if (network == "classifier")
{
    var options = new ClassifierOptions { Epochs = 1, MinimumSteps = 0, BatchSize = batch, LogEvery = 50 };
    var result = ClassifierTraining.Train(images, labels, options, seed: 2, parallel: parallel);
    (seconds, done) = (result.Seconds, result.LossTrace[^1].Step);
    result.Classifier.Dispose();
}
else
{
    var options = new VaeOptions { Epochs = 1, BatchSize = batch, LogEvery = 50 };
    var result = VaeTraining.Train(images, perceptual: null, options, seed: 2, parallel: parallel);
    (seconds, done) = (result.Seconds, result.LossTrace[^1].Step);
    result.Vae.Dispose();
}

if (communicator.Rank == 0)
{
    string communication = parallel is { Reductions: > 0 }
        ? $", gradient all-reduce {1000 * parallel.CommunicationSeconds / parallel.Reductions:F2} ms per step (copies included)"
        : "";
    Console.WriteLine($"{network}: {communicator.WorldSize} process(es) × {get_num_threads()} thread(s), batch {batch}: " +
        $"{done} steps in {seconds:F1} s = {done / seconds:F1} steps/s{communication}");
}
return 0;
