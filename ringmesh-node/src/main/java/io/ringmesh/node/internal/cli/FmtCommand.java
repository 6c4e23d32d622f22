package io.ringmesh.node.internal.cli;

import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** {@code ringmesh fmt}: applies the project's formatter. */
@Command(
    name = "fmt",
    mixinStandardHelpOptions = true,
    description =
        "Reformat all Java sources with google-java-format (what the format check wants).")
final class FmtCommand implements Callable<Integer> {

  @Override
  public Integer call() {
    ProjectHome home = ProjectHome.locate();
    System.err.println("ringmesh fmt: formatting the sources with google-java-format ...");
    StringBuilder output = new StringBuilder();
    // The BOM has no parent and so no formatter plugin, and no sources: leave it out.
    List<String> args = List.of("-q", "--projects", "!ringmesh-bom", "spotless:apply");
    int code = home.run(home.maven(args), l -> output.append(l).append('\n'));
    if (code != 0) {
      System.err.print(output);
      throw new CommandFailedException(
          "the formatter failed (output above); a file that does not parse cannot be formatted");
    }
    System.out.println("Formatted. 'git diff' shows what changed.");
    return 0;
  }
}
