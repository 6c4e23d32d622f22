package io.ringmesh.node.internal.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;

/**
 * The source tree {@code bin/ringmesh} runs from, and the tools in it. Commands that build, test or
 * benchmark the project (test, fmt, bench) use it; commands that only run Ringmesh do not.
 */
final class ProjectHome {
  private final Path root;
  private final Path javaHome;

  private ProjectHome(Path root, Path javaHome) {
    this.root = root;
    this.javaHome = javaHome;
  }

  /** The project the launcher set in {@code -Dringmesh.home}, or fails saying how to run. */
  static ProjectHome locate() {
    String home = System.getProperty("ringmesh.home", System.getenv("RINGMESH_HOME"));
    if (home == null || !Files.isRegularFile(Path.of(home, "mvnw"))) {
      throw new CommandFailedException(
          "this command works on the Ringmesh source tree; run it as bin/ringmesh from a clone"
              + " (ringmesh.home="
              + home
              + ")");
    }
    String java = System.getenv("RINGMESH_JAVA_HOME");
    return new ProjectHome(
        Path.of(home).toAbsolutePath().normalize(),
        Path.of(java != null ? java : System.getProperty("java.home")));
  }

  Path root() {
    return root;
  }

  Path javaHome() {
    return javaHome;
  }

  Path javaBinary() {
    return javaHome.resolve("bin/java");
  }

  /** {@code ./mvnw -B -Dstyle.color=never} followed by {@code args}. */
  List<String> maven(List<String> args) {
    var cmd = new java.util.ArrayList<String>();
    cmd.add(root.resolve("mvnw").toString());
    cmd.add("-B");
    cmd.add("-Dstyle.color=never");
    cmd.addAll(args);
    return cmd;
  }

  /**
   * Runs {@code command} in the project root with this JDK as {@code JAVA_HOME}, passing each line
   * of its merged output to {@code lines}.
   *
   * @return the exit code
   */
  int run(List<String> command, Consumer<String> lines) {
    ProcessBuilder pb =
        new ProcessBuilder(command).directory(root.toFile()).redirectErrorStream(true);
    pb.environment().put("JAVA_HOME", javaHome.toString());
    try {
      Process process = pb.start();
      process.getOutputStream().close();
      try (BufferedReader out =
          new BufferedReader(
              new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line = out.readLine(); line != null; line = out.readLine()) {
          lines.accept(line);
        }
      }
      return process.waitFor();
    } catch (IOException e) {
      throw new CommandFailedException("could not run " + command.get(0) + ": " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CommandFailedException("interrupted while running " + command.get(0));
    }
  }
}
