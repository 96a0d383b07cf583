package org.nabd.analysis;

import org.apache.lucene.analysis.CharArraySet;
import org.apache.lucene.analysis.LowerCaseFilter;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.ar.ArabicNormalizationFilter;
import org.apache.lucene.analysis.core.KeywordTokenizer;
import org.apache.lucene.analysis.tokenattributes.CharTermAttribute;

import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * Brings protected words (brand names) into the form tokens have when the keyword marker sees
 * them: lower case, Arabic letters normalized, elongation folded.
 */
final class KeywordForms {

    private KeywordForms() {}

    static CharArraySet normalized(List<String> words) {
        CharArraySet set = new CharArraySet(words.size(), false);
        for (String word : words) {
            set.add(normalize(word));
        }
        return set;
    }

    private static String normalize(String word) {
        KeywordTokenizer tokenizer = new KeywordTokenizer();
        tokenizer.setReader(new StringReader(word));
        try (TokenStream stream = new ElongationFilter(new ArabicNormalizationFilter(new LowerCaseFilter(tokenizer)))) {
            CharTermAttribute term = stream.addAttribute(CharTermAttribute.class);
            StringBuilder form = new StringBuilder();
            stream.reset();
            while (stream.incrementToken()) {
                form.append(term);
            }
            stream.end();
            return form.toString();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot normalize keyword [" + word + "]", e);
        }
    }
}
