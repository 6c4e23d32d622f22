package io.ringmesh.node.internal.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** The top-level {@code ringmesh} command. */
@Command(
    name = "ringmesh",
    mixinStandardHelpOptions = true,
    versionProvider = RingmeshCommand.Version.class,
    description = {
      "Consistent-hash routing, a safe fast RPC layer and a Raft lock service for stateless"
          + " Java services.",
      ""
    },
    commandListHeading = "%nCommands:%n",
    subcommands = {
      DemoCommand.class,
      ChaosCommand.class,
      RingCommand.class,
      BenchCommand.class,
      NodeCommand.class,
      ClusterCommand.class,
      CallCommand.class,
      CoordinatorCommand.class,
      CoordCommand.class,
      LockCommand.class,
      TestCommand.class,
      FmtCommand.class,
      picocli.CommandLine.HelpCommand.class
    })
final class RingmeshCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    throw new ParameterException(spec.commandLine(), "a command is required (see the list below)");
  }

  /** The version from the build; {@code unknown} when run from an IDE without resources. */
  static final class Version implements IVersionProvider {
    @Override
    public String[] getVersion() throws IOException {
      Properties props = new Properties();
      try (InputStream in =
          RingmeshCommand.class.getResourceAsStream("/ringmesh-version.properties")) {
        if (in != null) {
          props.load(in);
        }
      }
      return new String[] {
        "ringmesh " + props.getProperty("version", "unknown"),
        "JVM " + System.getProperty("java.version") + " (" + System.getProperty("java.vendor") + ")"
      };
    }
  }
}
