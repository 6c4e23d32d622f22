package io.ringmesh.node.internal.cli;

import picocli.CommandLine;

/** Entry point of {@code bin/ringmesh}. */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  /** The configured command line; tests drive it without exiting the JVM. */
  static CommandLine commandLine() {
    CommandLine cli = new CommandLine(new RingmeshCommand());
    cli.setCaseInsensitiveEnumValuesAllowed(true);
    cli.setParameterExceptionHandler(new UsageErrors());
    cli.setExecutionExceptionHandler(
        (e, commandLine, parseResult) -> {
          String name = commandLine.getCommandSpec().qualifiedName(" ");
          if (e instanceof CommandFailedException failed) {
            commandLine.getErr().println(name + ": " + failed.getMessage());
            return failed.exitCode();
          }
          if (e instanceof IllegalArgumentException bad) {
            commandLine.getErr().println(name + ": " + bad.getMessage());
            commandLine.getErr().println("Run '" + name + " --help' for usage.");
            return CommandLine.ExitCode.USAGE;
          }
          throw e;
        });
    return cli;
  }
}
