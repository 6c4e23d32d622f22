package io.ringmesh.node.internal.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ringmesh test}: the whole suite, through Maven: the format check, compilation with lint as
 * errors, and every module's tests. Prints progress and a Surefire summary; the full log is kept.
 */
@Command(
    name = "test",
    mixinStandardHelpOptions = true,
    description = "Run all tests: format check, lint-as-errors build, and every module's tests.")
final class TestCommand implements Callable<Integer> {

  @Option(
      names = {"-m", "--module"},
      paramLabel = "MODULE",
      description = "Only this module and what it needs, e.g. ringmesh-ring (repeatable).")
  List<String> modules = new ArrayList<>();

  @Option(
      names = {"-t", "--tests"},
      paramLabel = "PATTERN",
      description = "Only tests matching this Surefire pattern, e.g. 'HashRing*'.")
  String tests;

  @Option(
      names = {"-v", "--verbose"},
      description = "Show Maven's full output instead of progress lines.")
  boolean verbose;

  private static final Pattern BUILDING =
      Pattern.compile("^\\[INFO\\] Building (.+?) \\S+ +\\[(\\d+/\\d+)\\]$");
  private static final Pattern TESTS_IN =
      Pattern.compile("^\\[(INFO|WARNING|ERROR)\\] Tests run: .* -- in (.+)$");

  @Override
  public Integer call() {
    ProjectHome home = ProjectHome.locate();
    List<String> args = new ArrayList<>(List.of("verify"));
    if (!modules.isEmpty()) {
      args.add("-pl");
      args.add(String.join(",", modules));
      args.add("-am");
    }
    if (tests != null) {
      args.add("-Dtest=" + tests);
      args.add("-Dsurefire.failIfNoSpecifiedTests=false");
    }
    Path log = home.root().resolve("target/ringmesh-test.log");
    long started = System.currentTimeMillis();
    boolean[] formatViolations = {false};
    int code;
    try {
      Files.createDirectories(log.getParent());
      try (PrintWriter logOut =
          new PrintWriter(Files.newBufferedWriter(log, StandardCharsets.UTF_8))) {
        System.err.println("ringmesh test: running the suite with Maven (full log: " + log + ")");
        code =
            home.run(
                home.maven(args),
                line -> {
                  logOut.println(line);
                  if (line.contains("format violations")) {
                    formatViolations[0] = true;
                  }
                  if (verbose) {
                    System.out.println(line);
                  } else {
                    progress(line);
                  }
                });
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    System.out.println();
    System.out.println(SurefireSummary.collect(home.root(), started).render());
    if (formatViolations[0]) {
      System.out.println(
          "The format check failed: run 'bin/ringmesh fmt' to reformat the files listed above,"
              + " then 'bin/ringmesh test' again.");
    }
    if (code != 0) {
      System.out.println("FAILED (Maven exit code " + code + "); details in " + log);
      return 1;
    }
    System.out.println("All tests passed.");
    return 0;
  }

  private static void progress(String line) {
    Matcher building = BUILDING.matcher(line);
    if (building.matches()) {
      System.out.println("[" + building.group(2) + "] " + building.group(1));
      return;
    }
    Matcher tests = TESTS_IN.matcher(line);
    if (tests.matches()) {
      System.out.println("  " + line.replaceFirst("^\\[\\w+\\] ", ""));
      return;
    }
    if (line.startsWith("[ERROR]")
        || line.contains("BUILD SUCCESS")
        || line.contains("BUILD FAILURE")) {
      System.out.println(line);
    }
  }

  /** Totals from the Surefire XML reports written by this run. */
  record SurefireSummary(List<String[]> rows) {
    private static final Pattern SUITE =
        Pattern.compile(
            "<testsuite[^>]*?\\stests=\"(\\d+)\"[^>]*?\\serrors=\"(\\d+)\"[^>]*?\\sskipped=\"(\\d+)\"[^>]*?\\sfailures=\"(\\d+)\"",
            Pattern.DOTALL);
    private static final Pattern TIME = Pattern.compile("<testsuite[^>]*?\\stime=\"([0-9.,]+)\"");

    static SurefireSummary collect(Path root, long sinceMillis) {
      List<String[]> rows = new ArrayList<>();
      try (Stream<Path> modules = Files.list(root)) {
        for (Path module : modules.sorted().toList()) {
          Path reports = module.resolve("target/surefire-reports");
          if (!Files.isDirectory(reports)) {
            continue;
          }
          long[] totals = new long[4];
          double seconds = 0;
          try (Stream<Path> files = Files.list(reports)) {
            for (Path f :
                files.filter(p -> p.getFileName().toString().startsWith("TEST-")).toList()) {
              if (Files.getLastModifiedTime(f).toMillis() < sinceMillis) {
                continue;
              }
              String head = Files.readString(f, StandardCharsets.UTF_8);
              Matcher m = SUITE.matcher(head);
              if (m.find()) {
                for (int i = 0; i < 4; i++) {
                  totals[i] += Long.parseLong(m.group(i + 1));
                }
              }
              Matcher t = TIME.matcher(head);
              if (t.find()) {
                seconds += Double.parseDouble(t.group(1).replace(",", ""));
              }
            }
          }
          if (totals[0] > 0) {
            rows.add(
                new String[] {
                  module.getFileName().toString(),
                  Long.toString(totals[0]),
                  Long.toString(totals[3]),
                  Long.toString(totals[1]),
                  Long.toString(totals[2]),
                  String.format("%.1f", seconds)
                });
          }
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return new SurefireSummary(rows);
    }

    String render() {
      StringBuilder out = new StringBuilder("Surefire summary\n");
      out.append(
          String.format(
              "  %-22s %7s %9s %7s %8s %9s%n",
              "module", "tests", "failures", "errors", "skipped", "seconds"));
      long[] sum = new long[4];
      for (String[] r : rows) {
        out.append(String.format("  %-22s %7s %9s %7s %8s %9s%n", (Object[]) r));
        for (int i = 0; i < 4; i++) {
          sum[i] += Long.parseLong(r[i + 1]);
        }
      }
      out.append(
          String.format("  %-22s %7d %9d %7d %8d%n", "total", sum[0], sum[1], sum[2], sum[3]));
      return out.toString();
    }
  }
}
