using System.CommandLine;
using PrecondFlow.Cli.Commands;

var root = new RootCommand(
    "PrecondFlow: flow matching and score matching with invertible preconditioners (Preconditioned Score and Flow Matching).")
{
    InfoCommand.Create(),
};

return root.Parse(args).Invoke();
