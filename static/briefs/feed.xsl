<?xml version="1.0" encoding="utf-8"?>
<!--
  A feed (Atom or RSS) as a page for a person who opens it in a browser.
  Feed readers ignore this stylesheet and read the feed itself.

  No script, no disable-output-escaping: every text is written as text, so
  a title or a name holding markup shows the markup as characters. The
  summaries are HTML in the feed; only their paragraphs and five entities
  are read back (see "summary"), and every tag in them is dropped.

  The site's stylesheets are found beside this file: its own address, from
  the feed's xml-stylesheet instruction, less "briefs/feed…".
-->
<xsl:stylesheet version="1.0"
  xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
  xmlns:atom="http://www.w3.org/2005/Atom"
  xmlns:dc="http://purl.org/dc/elements/1.1/"
  exclude-result-prefixes="atom dc">

  <xsl:output method="html" encoding="utf-8" doctype-system="about:legacy-compat" indent="no"/>

  <xsl:variable name="atom" select="/atom:feed"/>
  <xsl:variable name="channel" select="/rss/channel"/>
  <xsl:variable name="title" select="normalize-space($atom/atom:title | $channel/title)"/>
  <xsl:variable name="self"
    select="($atom/atom:link[@rel='self'] | $channel/*[local-name()='link' and @rel='self'])/@href"/>
  <xsl:variable name="alternate"
    select="$atom/atom:link[@rel='alternate']/@href | $channel/link"/>
  <xsl:variable name="format">
    <xsl:choose>
      <xsl:when test="$atom">Atom</xsl:when>
      <xsl:otherwise>RSS</xsl:otherwise>
    </xsl:choose>
  </xsl:variable>
  <xsl:variable name="other-format">
    <xsl:choose>
      <xsl:when test="$atom">RSS</xsl:when>
      <xsl:otherwise>Atom</xsl:otherwise>
    </xsl:choose>
  </xsl:variable>
  <xsl:variable name="other">
    <xsl:choose>
      <xsl:when test="$atom and substring($self, string-length($self) - 4) = '.atom'">
        <xsl:value-of select="concat(substring($self, 1, string-length($self) - 5), '.rss')"/>
      </xsl:when>
      <xsl:when test="not($atom) and substring($self, string-length($self) - 3) = '.rss'">
        <xsl:value-of select="concat(substring($self, 1, string-length($self) - 4), '.atom')"/>
      </xsl:when>
    </xsl:choose>
  </xsl:variable>
  <!-- Titles read "Site: what the feed holds". -->
  <xsl:variable name="site-name">
    <xsl:choose>
      <xsl:when test="contains($title, ': ')"><xsl:value-of select="substring-before($title, ': ')"/></xsl:when>
      <xsl:otherwise><xsl:value-of select="$title"/></xsl:otherwise>
    </xsl:choose>
  </xsl:variable>
  <xsl:variable name="home">
    <xsl:choose>
      <xsl:when test="contains($self, '/feeds/')"><xsl:value-of select="concat(substring-before($self, '/feeds/'), '/')"/></xsl:when>
      <xsl:otherwise>/</xsl:otherwise>
    </xsl:choose>
  </xsl:variable>
  <xsl:variable name="instruction"
    select="string(/processing-instruction('xml-stylesheet')[contains(., 'text/xsl')])"/>
  <xsl:variable name="static"
    select="substring-before(substring-before(substring-after($instruction, 'href=&quot;'), '&quot;'), 'briefs/feed')"/>

  <xsl:template match="/">
    <html lang="{normalize-space($atom/@xml:lang | $channel/language)}">
      <head>
        <meta name="viewport" content="width=device-width, initial-scale=1"/>
        <title><xsl:value-of select="$title"/> (web feed)</title>
        <link rel="stylesheet" href="{$static}css/site.css"/>
        <link rel="stylesheet" href="{$static}briefs/feed.css"/>
      </head>
      <body>
        <a class="skip-link" href="#main">Skip to main content</a>
        <header class="site-header">
          <div class="site-header__inner">
            <a class="site-name" href="{$home}"><xsl:value-of select="$site-name"/></a>
            <nav class="site-nav" aria-label="Site">
              <ul>
                <li><a href="{$home}">Briefs</a></li>
                <li><a href="{$home}tags/">Tags</a></li>
                <li><a href="{$home}authors/">Authors</a></li>
              </ul>
            </nav>
          </div>
        </header>
        <main id="main" class="page feed-page" tabindex="-1">
          <p class="kicker">Web feed · <xsl:value-of select="$format"/></p>
          <h1 class="page-title"><xsl:value-of select="$title"/></h1>
          <p class="lede"><xsl:value-of select="$atom/atom:subtitle | $channel/description"/></p>

          <section class="subscribe" aria-labelledby="subscribe-title">
            <h2 id="subscribe-title" class="subscribe__title">Follow these briefs in a feed reader</h2>
            <p>This page is a web feed. A feed reader checks it for you and lists each new brief as it is published: no account, no email, and you can stop at any time.</p>
            <ol class="subscribe__steps">
              <li>Copy this address:
                <code class="subscribe__address"><xsl:value-of select="$self"/></code>
              </li>
              <li>Paste it into your feed reader where it offers to add or subscribe to a feed. Most readers, and many email programs, have one.</li>
            </ol>
            <p class="subscribe__more">
              <xsl:if test="string($other)">
                <a href="{$other}">This feed in <xsl:value-of select="$other-format"/></a>
                <xsl:text> · </xsl:text>
              </xsl:if>
              <a href="{$alternate}">Read these briefs on the site</a>
            </p>
          </section>

          <section class="feed-entries" aria-labelledby="entries-title">
            <h2 id="entries-title" class="feed-entries__title">In this feed</h2>
            <xsl:choose>
              <xsl:when test="$atom/atom:entry | $channel/item">
                <ol class="brief-list">
                  <xsl:apply-templates select="$atom/atom:entry | $channel/item"/>
                </ol>
              </xsl:when>
              <xsl:otherwise>
                <p class="empty">No briefs yet. New ones will appear here and in your reader.</p>
              </xsl:otherwise>
            </xsl:choose>
          </section>
        </main>
        <footer class="site-footer">
          <div class="site-footer__inner">
            <p><xsl:value-of select="$site-name"/> publishes short policy briefs.</p>
            <p><a href="{$home}">Latest briefs</a> · <a href="{$home}tags/">All tags</a></p>
          </div>
        </footer>
      </body>
    </html>
  </xsl:template>

  <!-- One brief: its title linking to it, date, authors and summary. -->
  <xsl:template match="atom:entry | item">
    <li>
      <article class="brief-item">
        <h3 class="brief-item__title">
          <a href="{atom:link[@rel='alternate']/@href | link}"><xsl:value-of select="atom:title | title"/></a>
        </h3>
        <p class="meta">
          <xsl:apply-templates select="atom:published | pubDate"/>
          <xsl:variable name="authors" select="atom:author/atom:name | dc:creator"/>
          <xsl:if test="$authors">
            <xsl:if test="atom:published | pubDate"><xsl:text> · </xsl:text></xsl:if>
            <span class="feed-entry__authors">
              <xsl:text>By </xsl:text>
              <xsl:for-each select="$authors">
                <xsl:if test="position() &gt; 1">
                  <xsl:choose>
                    <xsl:when test="position() = last()"> and </xsl:when>
                    <xsl:otherwise>, </xsl:otherwise>
                  </xsl:choose>
                </xsl:if>
                <xsl:value-of select="normalize-space(.)"/>
              </xsl:for-each>
            </span>
          </xsl:if>
        </p>
        <xsl:call-template name="summary">
          <xsl:with-param name="html" select="string(atom:summary | description)"/>
        </xsl:call-template>
      </article>
    </li>
  </xsl:template>

  <!-- Atom's RFC 3339 date: 2025-06-01T12:00:00+00:00. -->
  <xsl:template match="atom:published">
    <time datetime="{.}">
      <xsl:value-of select="number(substring(., 9, 2))"/>
      <xsl:text> </xsl:text>
      <xsl:call-template name="month">
        <xsl:with-param name="number" select="number(substring(., 6, 2))"/>
      </xsl:call-template>
      <xsl:text> </xsl:text>
      <xsl:value-of select="substring(., 1, 4)"/>
    </time>
  </xsl:template>

  <!-- RSS's RFC 822 date: Sun, 01 Jun 2025 12:00:00 +0000. -->
  <xsl:template match="pubDate">
    <xsl:variable name="date" select="normalize-space(substring-after(., ','))"/>
    <xsl:variable name="abbreviation" select="substring($date, 4, 3)"/>
    <xsl:variable name="number"
      select="(string-length(substring-before('JanFebMarAprMayJunJulAugSepOctNovDec', $abbreviation)) div 3) + 1"/>
    <time datetime="{concat(substring($date, 8, 4), '-', format-number($number, '00'), '-', substring($date, 1, 2))}">
      <xsl:value-of select="number(substring($date, 1, 2))"/>
      <xsl:text> </xsl:text>
      <xsl:call-template name="month">
        <xsl:with-param name="number" select="$number"/>
      </xsl:call-template>
      <xsl:text> </xsl:text>
      <xsl:value-of select="substring($date, 8, 4)"/>
    </time>
  </xsl:template>

  <xsl:template name="month">
    <xsl:param name="number"/>
    <xsl:choose>
      <xsl:when test="$number = 1">January</xsl:when>
      <xsl:when test="$number = 2">February</xsl:when>
      <xsl:when test="$number = 3">March</xsl:when>
      <xsl:when test="$number = 4">April</xsl:when>
      <xsl:when test="$number = 5">May</xsl:when>
      <xsl:when test="$number = 6">June</xsl:when>
      <xsl:when test="$number = 7">July</xsl:when>
      <xsl:when test="$number = 8">August</xsl:when>
      <xsl:when test="$number = 9">September</xsl:when>
      <xsl:when test="$number = 10">October</xsl:when>
      <xsl:when test="$number = 11">November</xsl:when>
      <xsl:when test="$number = 12">December</xsl:when>
    </xsl:choose>
  </xsl:template>

  <!--
    A summary is HTML: escaped text, and with notes one <p> per paragraph
    ("<p>Summary</p><p><strong>Correction, 3 June 2025:</strong> …</p>").
    Each paragraph becomes a <p> of text: its tags dropped, then its
    entities read. Markup the text itself holds was escaped in the feed, so
    it is never taken for a tag here, and is written back as text.
  -->
  <xsl:template name="summary">
    <xsl:param name="html"/>
    <xsl:choose>
      <xsl:when test="contains($html, '&lt;/p&gt;')">
        <xsl:call-template name="paragraph">
          <xsl:with-param name="html" select="substring-before($html, '&lt;/p&gt;')"/>
        </xsl:call-template>
        <xsl:call-template name="summary">
          <xsl:with-param name="html" select="substring-after($html, '&lt;/p&gt;')"/>
        </xsl:call-template>
      </xsl:when>
      <xsl:otherwise>
        <xsl:call-template name="paragraph">
          <xsl:with-param name="html" select="$html"/>
        </xsl:call-template>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <xsl:template name="paragraph">
    <xsl:param name="html"/>
    <xsl:variable name="text">
      <xsl:call-template name="untagged">
        <xsl:with-param name="html" select="$html"/>
      </xsl:call-template>
    </xsl:variable>
    <xsl:if test="normalize-space($text)">
      <p class="brief-item__summary"><xsl:value-of select="normalize-space($text)"/></p>
    </xsl:if>
  </xsl:template>

  <xsl:template name="untagged">
    <xsl:param name="html"/>
    <xsl:choose>
      <xsl:when test="contains($html, '&lt;')">
        <xsl:call-template name="unescaped">
          <xsl:with-param name="text" select="substring-before($html, '&lt;')"/>
        </xsl:call-template>
        <xsl:call-template name="untagged">
          <xsl:with-param name="html" select="substring-after(substring-after($html, '&lt;'), '&gt;')"/>
        </xsl:call-template>
      </xsl:when>
      <xsl:otherwise>
        <xsl:call-template name="unescaped">
          <xsl:with-param name="text" select="$html"/>
        </xsl:call-template>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <!--
    The entities Django's escape() writes, "&amp;" last: in escaped text an
    "&lt;" is always a "<", since a written "&lt;" was escaped to "&amp;lt;".
  -->
  <xsl:template name="unescaped">
    <xsl:param name="text"/>
    <xsl:variable name="a">
      <xsl:call-template name="replace">
        <xsl:with-param name="text" select="$text"/>
        <xsl:with-param name="from" select="'&amp;lt;'"/>
        <xsl:with-param name="to" select="'&lt;'"/>
      </xsl:call-template>
    </xsl:variable>
    <xsl:variable name="b">
      <xsl:call-template name="replace">
        <xsl:with-param name="text" select="$a"/>
        <xsl:with-param name="from" select="'&amp;gt;'"/>
        <xsl:with-param name="to" select="'&gt;'"/>
      </xsl:call-template>
    </xsl:variable>
    <xsl:variable name="c">
      <xsl:call-template name="replace">
        <xsl:with-param name="text" select="$b"/>
        <xsl:with-param name="from" select="'&amp;quot;'"/>
        <xsl:with-param name="to" select="'&quot;'"/>
      </xsl:call-template>
    </xsl:variable>
    <xsl:variable name="d">
      <xsl:call-template name="replace">
        <xsl:with-param name="text" select="$c"/>
        <xsl:with-param name="from" select="'&amp;#x27;'"/>
        <xsl:with-param name="to" select="&quot;'&quot;"/>
      </xsl:call-template>
    </xsl:variable>
    <xsl:call-template name="replace">
      <xsl:with-param name="text" select="$d"/>
      <xsl:with-param name="from" select="'&amp;amp;'"/>
      <xsl:with-param name="to" select="'&amp;'"/>
    </xsl:call-template>
  </xsl:template>

  <xsl:template name="replace">
    <xsl:param name="text"/>
    <xsl:param name="from"/>
    <xsl:param name="to"/>
    <xsl:choose>
      <xsl:when test="contains($text, $from)">
        <xsl:value-of select="substring-before($text, $from)"/>
        <xsl:value-of select="$to"/>
        <xsl:call-template name="replace">
          <xsl:with-param name="text" select="substring-after($text, $from)"/>
          <xsl:with-param name="from" select="$from"/>
          <xsl:with-param name="to" select="$to"/>
        </xsl:call-template>
      </xsl:when>
      <xsl:otherwise>
        <xsl:value-of select="$text"/>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>
</xsl:stylesheet>
