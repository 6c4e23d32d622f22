package io.ringmesh.node.internal.cli;

import java.io.PrintWriter;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.IParameterExceptionHandler;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * Usage errors: one line saying what was wrong, a "did you mean" for a mistyped command or option,
 * where to find help, and exit code 2.
 */
final class UsageErrors implements IParameterExceptionHandler {

  @Override
  public int handleParseException(ParameterException ex, String[] args) {
    CommandLine cmd = ex.getCommandLine();
    PrintWriter err = cmd.getErr();
    String name = cmd.getCommandSpec().qualifiedName(" ");
    // A mistyped option also leaves a required one missing; the typo is the error worth naming.
    List<String> unmatched =
        ex instanceof UnmatchedArgumentException u ? u.getUnmatched() : cmd.getUnmatchedArguments();
    if (!unmatched.isEmpty()) {
      String word = unmatched.get(0);
      boolean option = word.startsWith("-");
      List<String> candidates =
          option
              ? cmd.getCommandSpec().optionsMap().keySet().stream().toList()
              : cmd.getSubcommands().keySet().stream().toList();
      err.println(name + ": unknown " + (option ? "option" : "command") + " '" + word + "'");
      String best = closest(word, candidates);
      if (best != null) {
        err.println("Did you mean '" + best + "'?");
      }
    } else {
      err.println(name + ": " + ex.getMessage());
    }
    err.println("Run '" + name + " --help' for usage.");
    err.flush();
    return CommandLine.ExitCode.USAGE;
  }

  /** The candidate nearest to {@code word} by edit distance, if it is close enough to be a typo. */
  static String closest(String word, List<String> candidates) {
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (String c : candidates) {
      int d = c.startsWith(word) && word.length() >= 2 ? 1 : distance(word, c);
      if (d < bestDistance) {
        best = c;
        bestDistance = d;
      }
    }
    int limit = Math.max(1, Math.min(3, word.length() / 2));
    return bestDistance <= limit ? best : null;
  }

  /** Optimal string alignment distance: edits, counting a swap of neighbours as one. */
  static int distance(String a, String b) {
    int[][] d = new int[a.length() + 1][b.length() + 1];
    for (int i = 0; i <= a.length(); i++) {
      d[i][0] = i;
    }
    for (int j = 0; j <= b.length(); j++) {
      d[0][j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
        if (i > 1
            && j > 1
            && a.charAt(i - 1) == b.charAt(j - 2)
            && a.charAt(i - 2) == b.charAt(j - 1)) {
          d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
        }
      }
    }
    return d[a.length()][b.length()];
  }
}
