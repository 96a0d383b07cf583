package org.nabd.analysis;

import org.apache.lucene.analysis.TokenStream;
import org.elasticsearch.index.analysis.NormalizingTokenFilterFactory;
import org.elasticsearch.index.analysis.TokenFilterFactory;
import org.elasticsearch.indices.analysis.AnalysisModule.AnalysisProvider;

import java.util.function.UnaryOperator;

/** Small factories that turn a Lucene filter constructor into an Elasticsearch token filter. */
final class NabdTokenFilters {

    private NabdTokenFilters() {}

    /** A filter that works per character, so keyword normalizers may use it too. */
    static AnalysisProvider<TokenFilterFactory> normalizing(UnaryOperator<TokenStream> filter) {
        return (indexSettings, environment, name, settings) -> new NormalizingTokenFilterFactory() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public TokenStream create(TokenStream tokenStream) {
                return filter.apply(tokenStream);
            }
        };
    }

    /** A filter that looks at whole tokens (stemming); analyzers only. */
    static AnalysisProvider<TokenFilterFactory> plain(UnaryOperator<TokenStream> filter) {
        return (indexSettings, environment, name, settings) -> named(name, filter);
    }

    static TokenFilterFactory named(String name, UnaryOperator<TokenStream> filter) {
        return new TokenFilterFactory() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public TokenStream create(TokenStream tokenStream) {
                return filter.apply(tokenStream);
            }
        };
    }
}
