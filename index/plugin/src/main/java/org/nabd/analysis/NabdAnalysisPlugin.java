package org.nabd.analysis;

import org.apache.lucene.analysis.CharArraySet;
import org.apache.lucene.analysis.LowerCaseFilter;
import org.apache.lucene.analysis.StopFilter;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.ar.ArabicAnalyzer;
import org.apache.lucene.analysis.ar.ArabicNormalizationFilter;
import org.apache.lucene.analysis.ar.ArabicStemFilter;
import org.apache.lucene.analysis.core.DecimalDigitFilter;
import org.apache.lucene.analysis.miscellaneous.SetKeywordMarkerFilter;
import org.elasticsearch.index.analysis.CharFilterFactory;
import org.elasticsearch.index.analysis.TokenFilterFactory;
import org.elasticsearch.indices.analysis.AnalysisModule.AnalysisProvider;
import org.elasticsearch.plugins.AnalysisPlugin;
import org.elasticsearch.plugins.Plugin;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Registers nabd's Arabic social-media analysis components.
 *
 * <p>The built-in Arabic filters live in Elasticsearch's analysis-common module, which some
 * distributions (the integration-test zip among them) do not ship. These components wrap the
 * same Lucene classes, so the mapping is identical on every cluster of this version, and add
 * what social media needs: elongation folding and hashtag/bidi clean-up.
 */
public class NabdAnalysisPlugin extends Plugin implements AnalysisPlugin {

    @Override
    public Map<String, AnalysisProvider<TokenFilterFactory>> getTokenFilters() {
        Map<String, AnalysisProvider<TokenFilterFactory>> filters = new TreeMap<>();
        filters.put("nabd_lowercase", NabdTokenFilters.normalizing(LowerCaseFilter::new));
        filters.put("nabd_decimal_digit", NabdTokenFilters.normalizing(DecimalDigitFilter::new));
        filters.put("nabd_arabic_normalization", NabdTokenFilters.normalizing(ArabicNormalizationFilter::new));
        filters.put("nabd_elongation", NabdTokenFilters.normalizing(ElongationFilter::new));
        filters.put("nabd_arabic_stem", NabdTokenFilters.plain(ArabicStemFilter::new));
        filters.put("nabd_arabic_stop", (indexSettings, environment, name, settings) -> {
            CharArraySet stopWords = new CharArraySet(ArabicAnalyzer.getDefaultStopSet(), false);
            stopWords.addAll(settings.getAsList("stopwords", List.of()));
            return NabdTokenFilters.named(name, stream -> new StopFilter(stream, stopWords));
        });
        filters.put("nabd_keyword_marker", (indexSettings, environment, name, settings) -> {
            CharArraySet keywords = KeywordForms.normalized(settings.getAsList("keywords", List.of()));
            return NabdTokenFilters.named(name, stream -> new SetKeywordMarkerFilter(stream, keywords));
        });
        return filters;
    }

    @Override
    public Map<String, AnalysisProvider<CharFilterFactory>> getCharFilters() {
        return Map.of("nabd_social", (indexSettings, environment, name, settings) -> new SocialCharFilterFactory(name));
    }
}
