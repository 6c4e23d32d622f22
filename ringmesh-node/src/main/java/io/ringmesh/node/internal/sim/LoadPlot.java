package io.ringmesh.node.internal.sim;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.CategorySeries;
import org.knowm.xchart.style.Styler;

/** Writes a PNG bar chart of per-node load, with the ideal share as a line. */
public final class LoadPlot {
  private LoadPlot() {}

  public static void write(RingSimulation.Result result, Path file) throws IOException {
    boolean requests = result.requestLoads() != null;
    String what = requests ? "requests" : "keys";
    CategoryChart chart =
        new CategoryChartBuilder()
            .width(Math.max(800, Math.min(2400, 12 * result.nodes())))
            .height(500)
            .title(
                String.format(
                    "%s: %d nodes, %d keys%s, peak/mean %.3f",
                    result.algorithm(),
                    result.nodes(),
                    result.keys(),
                    requests ? ", Zipf(" + result.zipf() + ") requests" : "",
                    requests ? result.requestPeakToMean() : result.peakToMean()))
            .xAxisTitle("node")
            .yAxisTitle(what + " per node")
            .build();
    chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
    chart.getStyler().setLegendLayout(Styler.LegendLayout.Horizontal);
    chart.getStyler().setXAxisLabelRotation(90);
    chart.getStyler().setXAxisTicksVisible(result.nodes() <= 60);
    chart.getStyler().setOverlapped(true);
    chart.getStyler().setChartBackgroundColor(java.awt.Color.WHITE);

    List<String> names = new ArrayList<>();
    List<Long> values = new ArrayList<>();
    List<Double> ideal = new ArrayList<>();
    double totalWeight = result.loads().stream().mapToDouble(RingSimulation.Load::weight).sum();
    long total = requests ? result.requests() : result.keys();
    for (int i = 0; i < result.loads().size(); i++) {
      RingSimulation.Load load = result.loads().get(i);
      names.add(load.node());
      values.add(requests ? result.requestLoads()[i] : load.keys());
      ideal.add(total * load.weight() / totalWeight);
    }
    // Start the axis near the smallest bar so that imbalance is visible, not flattened by zero.
    long lowest = values.stream().mapToLong(Long::longValue).min().orElse(0);
    double floor =
        Math.min(lowest, ideal.stream().mapToDouble(Double::doubleValue).min().orElse(0));
    chart.getStyler().setYAxisMin(Math.floor(floor * 0.9));
    chart.addSeries(what, names, values);
    CategorySeries line = chart.addSeries("ideal (weight share)", names, ideal);
    line.setChartCategorySeriesRenderStyle(CategorySeries.CategorySeriesRenderStyle.Line);
    line.setMarker(org.knowm.xchart.style.markers.SeriesMarkers.NONE);
    String name = file.toString();
    String base = name.endsWith(".png") ? name.substring(0, name.length() - 4) : name;
    BitmapEncoder.saveBitmap(chart, base, BitmapEncoder.BitmapFormat.PNG);
  }
}
