package org.nabd.analysis;

import org.apache.lucene.analysis.charfilter.MappingCharFilter;
import org.apache.lucene.analysis.charfilter.NormalizeCharMap;
import org.elasticsearch.index.analysis.NormalizingCharFilterFactory;

import java.io.Reader;

/**
 * Cleans social-media text before tokenizing: hashtag underscores become spaces
 * ({@code #خدمة_العملاء} → two words) and invisible bidi and zero-width controls are removed so
 * they cannot split or hide words.
 */
final class SocialCharFilterFactory implements NormalizingCharFilterFactory {

    private static final String[] INVISIBLE = {
        "\u200B", "\u200C", "\u200D", "\u200E", "\u200F",
        "\u202A", "\u202B", "\u202C", "\u202D", "\u202E",
        "\u2066", "\u2067", "\u2068", "\u2069", "\uFEFF", "\u061C",
    };

    private static final NormalizeCharMap MAP = buildMap();

    private final String name;

    SocialCharFilterFactory(String name) {
        this.name = name;
    }

    private static NormalizeCharMap buildMap() {
        NormalizeCharMap.Builder builder = new NormalizeCharMap.Builder();
        builder.add("_", " ");
        for (String invisible : INVISIBLE) {
            builder.add(invisible, "");
        }
        return builder.build();
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Reader create(Reader reader) {
        return new MappingCharFilter(MAP, reader);
    }
}
